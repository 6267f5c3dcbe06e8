"""One picture over several devices: each device has a worker process holding its own copy of the
models, and the keyframes' operation steps and the video's segment batches are shared out between
them. Processes rather than threads, so that the host's share of the work (launching kernels,
encoding the conditions) and compiling run apart, as the batch's workers do.

The frames are those one device makes: every keyframe's noise comes from the seed alone and every
segment's from the seed plus its number, and the segments keep the batches one device would form.
Only the keyframes' sampling batch shrinks, which changes them by rounding at most.
"""

from __future__ import annotations

import dataclasses
import itertools
import multiprocessing
import queue
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

import numpy as np

from paintsundo.errors import PaintsUndoError
from paintsundo.hub import ModelPaths
from paintsundo.timeline import Keyframe, Progress
from paintsundo.undo.pipeline.images import resize_and_center_crop
from paintsundo.undo.pipeline.keyframes import framed_sequence, steps_to_generate
from paintsundo.undo.pipeline.paints_undo import (
    KeyframePicture,
    NeuralProcess,
    PaintsUndoPipeline,
    place_user_keyframes,
    video_process,
    with_keyframes_recorded,
)
from paintsundo.undo.pipeline.settings import KeyframeSettings, VideoSettings
from paintsundo.undo.pipeline.shared import Kept
from paintsundo.undo.pipeline.video import SegmentGroup, group_segments, joined_frames

POLL_SECONDS = 0.1  # how often the progress of the first worker is passed on while waiting


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
    """PaintsUndoPipeline's three stages with the work of one picture shared out between devices.
    The workers start with the first picture and stay for the next ones, until `close`."""

    def __init__(
        self, paths: ModelPaths, devices: Sequence[str], memory: str = "auto", compile: bool = False
    ) -> None:
        self.paths, self.devices, self.memory, self.compile = paths, list(devices), memory, compile
        self._workers: list[ProcessPoolExecutor] = []
        self._reports: multiprocessing.Queue | None = None
        self._details: list[dict] = []

    def tagger_prompt(self, picture: np.ndarray, progress: Progress | None = None) -> str:
        """Stage 1, on the first device (see PaintsUndoPipeline)."""
        return self._on_each(_worker_tagger_prompt, [(picture,)], progress)[0]

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
        wanted = steps_to_generate(keyframe_settings, given)
        runs = [
            dataclasses.replace(keyframe_settings, operation_steps=wanted[run.start : run.stop])
            for run in share(len(wanted), len(self.devices))
        ]
        made = self._on_each(_worker_keyframes, [(picture, run, prompt) for run in runs], progress)
        middle = [keyframe for sequence in made for keyframe in sequence] + given
        finished = resize_and_center_crop(picture, keyframe_settings.width, keyframe_settings.height)
        return framed_sequence(finished, middle)

    def video(
        self, keyframes: list[Keyframe], video_settings: VideoSettings, progress: Progress | None = None
    ) -> NeuralProcess:
        """Stage 3, the segment batches shared out (see PaintsUndoPipeline)."""
        pictures = [keyframe.picture for keyframe in keyframes]
        batch = video_settings.segment_batch or self._segment_batch()
        groups = group_segments(list(itertools.pairwise(pictures)), video_settings, batch)
        parts = [groups[run.start : run.stop] for run in share(len(groups), len(self.devices))]
        count = len(pictures) - 1
        made = self._on_each(_worker_segments, [(part, video_settings, count) for part in parts], progress)
        frames = joined_frames([segment for segments in made for segment in segments])
        return video_process(frames, keyframes, video_settings, {**self.details(), "segment_batch": batch})

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
        self._on_each(_worker_start_picture, [()] * len(self.devices), None)
        prompt = self.tagger_prompt(picture, progress) if prompt is None else prompt
        keyframes = self.keyframes(picture, keyframe_settings, prompt, user_keyframes, progress)
        return with_keyframes_recorded(self.video(keyframes, video_settings, progress), keyframes, prompt)

    def details(self) -> dict:
        """The first device's details, with every device, its peak memory and how its calls ran."""
        each = self._details or [{"device": device} for device in self.devices]
        details = {**each[0], "devices": [entry["device"] for entry in each]}
        peaks = [entry["peak_gpu_memory_gib"] for entry in each if "peak_gpu_memory_gib" in entry]
        if peaks:
            details["peak_gpu_memory_gib"] = max(peaks)
            details["peak_gpu_memory_gib_each"] = peaks
        counts = [entry["prepared_calls"] for entry in each if "prepared_calls" in entry]
        if counts:
            details["prepared_calls"] = _summed_calls(counts)
        return details

    def close(self) -> None:
        """Stop the workers; their models go with them."""
        for worker in self._workers:
            worker.shutdown(wait=True, cancel_futures=True)
        self._workers = []

    def _segment_batch(self) -> int:
        """The memory plan's segment batch, which every worker's plan shares (one mode for all)."""
        self._start()
        return self._workers[0].submit(_worker_segment_batch).result()

    def _start(self) -> None:
        if self._workers:
            return
        context = multiprocessing.get_context("spawn")  # CUDA cannot be forked
        self._reports = context.Queue()
        for index, device in enumerate(self.devices):
            reports = self._reports if index == 0 else None  # the first worker's progress stands for all
            options = (self.paths, device, self.memory, self.compile, reports)
            self._workers.append(
                ProcessPoolExecutor(1, mp_context=context, initializer=_worker_start, initargs=options)
            )

    def _on_each(self, task, arguments: list[tuple], progress: Progress | None) -> list:
        """task(*arguments[i]) in worker i, side by side, passing the first worker's progress on;
        the first failure is raised once all have ended."""
        self._start()
        futures: list[Future] = [
            worker.submit(task, *each) for worker, each in zip(self._workers, arguments, strict=False)
        ]
        waiting = set(futures)
        while waiting:
            _, waiting = wait(waiting, timeout=POLL_SECONDS)
            self._pass_on(progress)
        self._pass_on(progress)
        try:
            results = [future.result() for future in futures]
        except BrokenProcessPool:
            gone = [
                device
                for device, future in zip(self.devices, futures, strict=False)
                if isinstance(future.exception(), BrokenProcessPool)
            ]
            self.close()  # the next picture starts fresh workers
            raise PaintsUndoError(
                f"the worker process for {', '.join(gone)} stopped (killed, or out of host memory):"
                " run again, with fewer GPUs if it recurs",
                "gpus",
            ) from None
        self._details = [details for _, details in results] + self._details[len(results) :]
        return [result for result, _ in results]

    def _pass_on(self, progress: Progress | None) -> None:
        while True:
            try:
                report = self._reports.get_nowait()
            except queue.Empty:
                return
            if progress:
                progress(*report)


# The process's spread pipeline, reused while its models, devices and modes stay (called with the
# pipeline's arguments); one for others closes its workers first. `clear()` closes them.
shared_spread_pipeline: Kept[SpreadPipeline] = Kept(SpreadPipeline, release=SpreadPipeline.close)


# In each worker process, set by its initializer: its device's pipeline, and where it reports
# progress (the first only). Module-level, since that is all a process pool's tasks can reach; it
# lives and goes with the worker process.
_worker: dict[str, object] = {}


def _worker_start(paths: ModelPaths, device: str, memory: str, compile: bool, reports) -> None:
    if device.startswith("cuda"):
        import torch

        torch.cuda.set_device(torch.device(device))  # its context on its own GPU only
    _worker.update(pipeline=PaintsUndoPipeline(paths, device, memory, compile), reports=reports)


def _worker_progress() -> Progress | None:
    reports = _worker["reports"]
    return None if reports is None else (lambda label, done, total: reports.put((label, done, total)))


def _worker_pipeline() -> PaintsUndoPipeline:
    return _worker["pipeline"]  # type: ignore[return-value]


def _worker_tagger_prompt(picture: np.ndarray) -> tuple[str, dict]:
    pipeline = _worker_pipeline()
    return pipeline.tagger_prompt(picture, _worker_progress()), pipeline.details()


def _worker_keyframes(picture: np.ndarray, run: KeyframeSettings, prompt: str) -> tuple[list[Keyframe], dict]:
    """The generated keyframes of these operation steps (without the input and the blank canvas)."""
    pipeline = _worker_pipeline()
    sequence = pipeline.keyframes(picture, run, prompt, (), _worker_progress())
    return sequence[1:-1], pipeline.details()


def _worker_segments(
    groups: list[SegmentGroup], video_settings: VideoSettings, count: int
) -> tuple[list[np.ndarray], dict]:
    pipeline = _worker_pipeline()
    return pipeline.segments(groups, video_settings, count, _worker_progress()), pipeline.details()


def _summed_calls(counts: list[dict]) -> dict:
    """How the devices' block calls ran, together (see PaintsUndoPipeline.details)."""
    summed = {kind: sum(count[kind] for count in counts) for kind in ("prepared", "eager")}
    broken = [package for count in counts for package in count.get("broken", [])]
    return {**summed, "broken": broken} if broken else summed


def _worker_start_picture() -> tuple[None, dict]:
    pipeline = _worker_pipeline()
    pipeline.start_picture()
    return None, pipeline.details()


def _worker_segment_batch() -> int:
    return _worker_pipeline().plan.segments_per_batch(VideoSettings())
