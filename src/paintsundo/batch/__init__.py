"""Batch runs over many pictures: resumable, one JSONL manifest line per picture, failures contained."""

from paintsundo.batch.coloring import ColorizeJob
from paintsundo.batch.items import BatchItem, expand_inputs, plan_items
from paintsundo.batch.ray_workers import RayOptions
from paintsundo.batch.runner import BatchInterrupted, BatchSummary, run_batch

__all__ = [
    "BatchInterrupted",
    "BatchItem",
    "BatchSummary",
    "ColorizeJob",
    "RayOptions",
    "expand_inputs",
    "plan_items",
    "run_batch",
]
