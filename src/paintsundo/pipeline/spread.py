"""One picture over several devices: each holds its own copy of the models, and the keyframes'
operation steps and the video's segment batches are shared out between them, run side by side in
threads (the GPU work releases the interpreter's lock).

The frames are those one device makes: every keyframe's noise comes from the seed alone and every
segment's from the seed plus its number, and the segments keep the batches one device would form.
Only the keyframes' sampling batch shrinks, which changes them by rounding at most.

Compiling traces modules with process-wide hooks, which a module running in another thread trips
over; so compiled pipelines take work of a shape they have not run yet one device at a time, and
side by side from then on.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import itertools
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import numpy as np
import torch

from paintsundo.hub import ModelPaths
from paintsundo.pipeline.acceleration import compile_limits, tuned_convolutions
from paintsundo.pipeline.images import resize_and_center_crop
from paintsundo.pipeline.paints_undo import (
    KeyframePicture,
    NeuralProcess,
    PaintsUndoPipeline,
    place_user_keyframes,
    segment_timeline,
)
from paintsundo.pipeline.settings import BLANK_STEP, KeyframeSettings, VideoSettings
from paintsundo.pipeline.video import group_segments, joined_frames
from paintsundo.timeline import Keyframe, Progress

Result = TypeVar("Result")


def share(count: int, parts: int) -> list[range]:
    """`count` items in at most `parts` contiguous runs, none empty, whose sizes differ by one at
    most, the larger ones first."""
    parts = max(1, min(parts, count))
    base, extra = divmod(count, parts)
    runs, start = [], 0
    for index in range(parts):
        size = base + (1 if index < extra else 0)
        runs.append(range(start, start + size))
        start += size
    return [run for run in runs if len(run)]


class SpreadPipeline:
    """PaintsUndoPipeline's three stages with the work of one picture shared out between devices."""

    def __init__(
        self, paths: ModelPaths, devices: Sequence[str], memory: str = "auto", compile: bool = False
    ) -> None:
        self.pipelines = [PaintsUndoPipeline(paths, device, memory, compile) for device in devices]
        self.compile = compile
        self._shapes_run: set[tuple] = set()  # the shapes of work every device has compiled for

    def keyframes(
        self,
        picture: np.ndarray,
        keyframe_settings: KeyframeSettings,
        prompt: str,
        user_keyframes: Sequence[KeyframePicture] = (),
        progress: Progress | None = None,
    ) -> list[Keyframe]:
        """Stage 2, the operation steps still to generate shared out (see PaintsUndoPipeline)."""
        keyframe_settings, given = place_user_keyframes(keyframe_settings, user_keyframes)
        taken = {keyframe.step for keyframe in given}
        wanted = [step for step in keyframe_settings.operation_steps if step not in taken]
        runs = [
            dataclasses.replace(keyframe_settings, operation_steps=tuple(wanted[run.start : run.stop]))
            for run in share(len(wanted), len(self.pipelines))
        ]
        batches = tuple(len(run.operation_steps) for run in runs)
        shape = ("keyframes", keyframe_settings.width, keyframe_settings.height, batches)
        made = self._on_each(
            [
                lambda pipeline, run=run, first=index == 0: pipeline.keyframes(
                    picture, run, prompt, (), progress if first else None
                )
                for index, run in enumerate(runs)
            ],
            shape,
        )
        middle = [keyframe for sequence in made for keyframe in sequence[1:-1]] + given
        finished = resize_and_center_crop(picture, keyframe_settings.width, keyframe_settings.height)
        return [
            Keyframe(0, finished, "input"),
            *sorted(middle, key=lambda keyframe: keyframe.step),
            Keyframe(BLANK_STEP, np.full_like(finished, 255), "blank"),
        ]

    def video(
        self, keyframes: list[Keyframe], video_settings: VideoSettings, progress: Progress | None = None
    ) -> NeuralProcess:
        """Stage 3, the segment batches shared out (see PaintsUndoPipeline)."""
        pictures = [keyframe.picture for keyframe in keyframes]
        first = self.pipelines[0]
        batch = first.plan.segments_per_batch(video_settings)
        groups = group_segments(list(itertools.pairwise(pictures)), video_settings, batch)
        count = len(pictures) - 1
        parts = [groups[run.start : run.stop] for run in share(len(groups), len(self.pipelines))]
        shape = ("video", *((len(group.indices), group.size) for group in groups))
        made = self._on_each(
            [
                lambda pipeline, part=part, index=index: pipeline.segments(
                    part, video_settings, count, progress if index == 0 else None
                )
                for index, part in enumerate(parts)
            ],
            shape,
        )
        frames = joined_frames([segment for segments in made for segment in segments])
        stages, events = segment_timeline(keyframes, video_settings.frames_per_segment)
        details = {**self.details(), "segment_batch": batch}
        return NeuralProcess(frames, stages, events, video_settings.prompt, details)

    def __call__(
        self,
        picture: np.ndarray,
        keyframe_settings: KeyframeSettings,
        video_settings: VideoSettings,
        prompt: str | None = None,
        user_keyframes: Sequence[KeyframePicture] = (),
        progress: Progress | None = None,
    ) -> NeuralProcess:
        """All three stages, as PaintsUndoPipeline runs them; the tagger runs on the first device."""
        for pipeline in self.pipelines:
            if pipeline.device.type == "cuda":
                torch.cuda.reset_peak_memory_stats(pipeline.device)
        prompt = self.pipelines[0].tag(picture, progress) if prompt is None else prompt
        keyframes = self.keyframes(picture, keyframe_settings, prompt, user_keyframes, progress)
        process = self.video(keyframes, video_settings, progress)
        listing = [{"operation_step": k.step, "source": k.source} for k in keyframes]
        process.prompt = prompt
        process.details.update(prompt=prompt, keyframes=listing)
        return process

    def details(self) -> dict:
        """The first device's details, with every device and its peak memory."""
        each = [pipeline.details() for pipeline in self.pipelines]
        details = {**each[0], "devices": [entry["device"] for entry in each]}
        peaks = [entry["peak_gpu_memory_gib"] for entry in each if "peak_gpu_memory_gib" in entry]
        if peaks:
            details["peak_gpu_memory_gib"] = max(peaks)
            details["peak_gpu_memory_gib_each"] = peaks
        return details

    def _on_each(self, work: list[Callable[[PaintsUndoPipeline], Result]], shape: tuple) -> list[Result]:
        """work[i] on pipeline i, side by side (one at a time while compiled pipelines meet a new
        `shape` of work); the first failure is raised once all have ended. Dynamo's limits and
        cuDNN's tuning are process-wide switches, so they are set here, once, for every thread."""
        if not work:
            return []
        limits = compile_limits() if self.compile else contextlib.nullcontext()
        tuning = self.pipelines[0].plan.tune_convolutions
        side_by_side = not self.compile or shape in self._shapes_run
        with limits, tuned_convolutions(tuning), ThreadPoolExecutor(len(work) if side_by_side else 1) as pool:
            futures = [
                pool.submit(_on_device, pipeline, job)
                for pipeline, job in zip(self.pipelines, work, strict=False)
            ]
            results = [future.result() for future in futures]
        self._shapes_run.add(shape)
        return results


def _on_device(pipeline: PaintsUndoPipeline, job: Callable[[PaintsUndoPipeline], Result]) -> Result:
    if pipeline.device.type == "cuda":
        torch.cuda.set_device(pipeline.device)  # per thread: what the pipeline's helpers take as current
    return job(pipeline)


@functools.lru_cache(maxsize=1)
def shared_spread_pipeline(
    paths: ModelPaths, devices: tuple[str, ...], memory: str, compile: bool
) -> SpreadPipeline:
    """One loaded spread pipeline per process, reused while its models, devices and mode stay."""
    return SpreadPipeline(paths, devices, memory, compile)
