"""Settings of the neural engine's stages; the defaults are the reference app's. Imports no torch."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

KEYFRAME_NEGATIVE_PROMPT = "lowres, bad anatomy, bad hands, cropped, worst quality"
# The reference app deliberately does not reuse the tagger's prompt for the video model.
VIDEO_PROMPT = "1girl, masterpiece, best quality"
BLANK_STEP = 1000  # the white canvas; operation step 0 is the finished picture
# The video model's (height, width) buckets, as the reference lists them.
VIDEO_BUCKETS = ((320, 512), (384, 448), (448, 384), (512, 320))


# (keyframe steps, video steps). "quick" trades quality for speed: see benchmarks/neural.py --preset.
PRESET_STEPS = {"reference": (50, 50), "quick": (10, 4)}


@dataclass(frozen=True)
class KeyframeSettings:
    width: int = 512
    height: int = 640
    operation_steps: tuple[int, ...] = (400, 600, 800, 900, 950, 999)
    steps: int = 50
    cfg: float = 3.0
    seed: int = 12345
    negative_prompt: str = KEYFRAME_NEGATIVE_PROMPT
    # One UNet batch for both CFG passes, where the reference makes two calls: faster, and equal up to
    # the last bits of the dtype. The conformance checks switch it off.
    batched_cfg: bool = True


@dataclass(frozen=True)
class VideoSettings:
    prompt: str = VIDEO_PROMPT
    steps: int = 50
    cfg: float = 7.5
    fs: int = 3
    seed: int = 123  # segment i uses seed + i
    buckets: tuple[tuple[int, int], ...] = VIDEO_BUCKETS  # (height, width)
    frames_per_segment: int = 16
    batched_cfg: bool = True
    segment_batch: int | None = None  # segments sampled together (None: the memory plan's)


# How a run trades GPU memory for speed: the plans themselves are in placement.py.
NEURAL_ENGINE_MEMORY_MODES = ("auto", "fast", "balanced", "low")

# PyTorch reads its CUDA allocator's options from the environment, once, when CUDA starts.
ALLOCATOR_VARIABLES = ("PYTORCH_CUDA_ALLOC_CONF", "PYTORCH_ALLOC_CONF")


def allocator_environment(environment: Mapping[str, str]) -> dict[str, str]:
    """What a program that runs the neural engine adds to its environment before CUDA starts: the
    allocator grows its memory segments instead of caching fixed-size blocks, which the stages'
    different shapes otherwise strand (the default job held 12.1 GiB for 9.6 GiB of tensors, and
    10.2 GiB with this, at the same speed; docs/performance.md). Nothing if the user set their own."""
    if any(name in environment for name in ALLOCATOR_VARIABLES):
        return {}
    return {ALLOCATOR_VARIABLES[0]: "expandable_segments:True"}
