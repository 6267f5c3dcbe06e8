"""The process's pipeline, kept for the next pictures: the app, the batch's workers and the API's
calls reuse one while the models, devices and modes stay the same.

    pipeline = shared_pipeline(paths, "cuda", "auto", False)
    shared_pipeline.clear()  # its models go

Imports nothing of the pipeline's modules until a new pipeline is made, after its device start has
begun (device_start.py): the start then overlaps their import.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Generic, TypeVar

import torch

from paintsundo.hub import ModelPaths
from paintsundo.undo.runtime.device_start import DeviceStart

if TYPE_CHECKING:
    from paintsundo.undo.pipeline.paints_undo import PaintsUndoPipeline

T = TypeVar("T")


class Kept(Generic[T]):
    """One object kept for the next calls with the same arguments. Called with others, it lets the
    old one go first (`release`, then its models can be freed before the new ones load), then
    makes a new one with `make`; `clear` lets it go."""

    def __init__(self, make: Callable[..., T], release: Callable[[T], object] | None = None) -> None:
        self._make, self._release = make, release
        self._arguments: tuple | None = None
        self._kept: T | None = None

    def __call__(self, *arguments: object) -> T:
        if self._kept is None or self._arguments != arguments:
            self.clear()
            self._kept, self._arguments = self._make(*arguments), arguments
        return self._kept

    def clear(self) -> None:
        kept, self._kept, self._arguments = self._kept, None, None
        if kept is not None and self._release is not None:
            self._release(kept)


def new_pipeline(paths: ModelPaths, device: str, memory: str, compile: bool) -> PaintsUndoPipeline:
    """A new pipeline, its device started, its memory plan chosen and its weights read onto the GPU
    (where the plan keeps them there) while the pipeline's modules import."""
    start = DeviceStart(paths, torch.device(device), memory)
    start.begin()
    from paintsundo.undo.pipeline.paints_undo import PaintsUndoPipeline

    return PaintsUndoPipeline(paths, device, memory, compile, start=start)


shared_pipeline: Kept[PaintsUndoPipeline] = Kept(new_pipeline)
