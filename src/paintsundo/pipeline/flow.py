"""The whole Paints-UNDO flow: prompt, keyframes, then video segments joined from blank to finished."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from paintsundo.pipeline.images import resize_and_center_crop
from paintsundo.pipeline.keyframes import generate_keyframes
from paintsundo.pipeline.models import MultiFrameModels, SingleFrameModels
from paintsundo.pipeline.placement import Placement
from paintsundo.pipeline.settings import BLANK_STEP, KeyframeSettings, VideoSettings
from paintsundo.pipeline.video import group_segments, interpolate_groups

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
    groups = group_segments(
        list(itertools.pairwise(keyframes)), settings, placement.plan.segments_per_batch(settings)
    )
    segments = interpolate_groups(models, placement, groups, settings, progress)
    frames = [frame for segment in segments for frame in segment[:-1]]
    return frames[::-1]
