"""The whole Paints-UNDO flow: prompt, keyframes, then video segments joined from blank to finished."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from paintsundo.pipeline.images import nearest_bucket, resize_and_center_crop
from paintsundo.pipeline.keyframes import generate_keyframes
from paintsundo.pipeline.models import MultiFrameModels, Placement, SingleFrameModels
from paintsundo.pipeline.settings import BLANK_STEP, KeyframeSettings, VideoSettings
from paintsundo.pipeline.video import interpolate_batch

# progress(stage, done, total): stage is "keyframes" or "video i/n"
Progress = Callable[[str, int, int], None]


@dataclass
class Keyframe:
    step: int  # operation step: 0 is the finished picture, 1000 the blank canvas
    picture: np.ndarray  # RGB uint8
    source: str  # "input", "generated", "user" or "blank"


@dataclass
class NeuralResult:
    prompt: str
    keyframes: list[Keyframe]
    frames: list[np.ndarray] = field(default_factory=list)  # blank to finished


def make_keyframes(
    models: SingleFrameModels,
    placement: Placement,
    picture: np.ndarray,
    prompt: str,
    settings: KeyframeSettings,
    user: list[Keyframe] | None = None,
    progress: Progress | None = None,
) -> list[Keyframe]:
    """[input] + keyframes by operation step + [blank]; user keyframes replace generated ones at
    their step and add the rest."""
    user = user or []
    taken = {keyframe.step for keyframe in user}
    wanted = tuple(step for step in settings.operation_steps if step not in taken)
    report = (lambda done, total: progress("keyframes", done, total)) if progress else None
    if wanted:
        run = dataclasses.replace(settings, operation_steps=wanted)
        finished, generated = generate_keyframes(models, placement, picture, prompt, run, report)
    else:
        finished, generated = resize_and_center_crop(picture, settings.width, settings.height), []
    middle = [Keyframe(step, image, "generated") for step, image in zip(wanted, generated, strict=True)]
    middle = sorted(middle + user, key=lambda keyframe: keyframe.step)
    blank = np.full_like(finished, 255)
    return [Keyframe(0, finished, "input"), *middle, Keyframe(BLANK_STEP, blank, "blank")]


def make_video(
    models: MultiFrameModels,
    placement: Placement,
    keyframes: list[np.ndarray],
    settings: VideoSettings,
    progress: Progress | None = None,
) -> list[np.ndarray]:
    """Interpolate each consecutive pair (segment i with seed + i), up to segment_batch at a time and
    a bucket per batch; drop each segment's last frame; join; play from blank to finished."""
    pairs = list(itertools.pairwise(keyframes))
    size = max(1, settings.segment_batch)
    segments: list[np.ndarray] = []
    for start in range(0, len(pairs), size):
        for batch in _same_bucket_runs(pairs[start : start + size], start, settings):
            first, count = batch[0][0], len(batch)
            stage = (
                f"video {first + 1}/{len(pairs)}"
                if count == 1
                else f"video {first + 1}-{first + count}/{len(pairs)}"
            )
            report = (lambda done, total, stage=stage: progress(stage, done, total)) if progress else None
            chunk = [pair for _, pair in batch]
            seeds = [settings.seed + index for index, _ in batch]
            segments.extend(interpolate_batch(models, placement, chunk, settings, seeds, report))
    frames = [frame for segment in segments for frame in segment[:-1]]
    return frames[::-1]


def _same_bucket_runs(pairs: list, offset: int, settings: VideoSettings) -> list[list[tuple[int, tuple]]]:
    """Split (index, pair) runs where the bucket changes: a batch shares one size."""
    runs: list[list[tuple[int, tuple]]] = []
    previous = None
    for index, pair in enumerate(pairs, start=offset):
        bucket = nearest_bucket(*pair[0].shape[:2], settings.buckets)
        if bucket != previous:
            runs.append([])
            previous = bucket
        runs[-1].append((index, pair))
    return runs
