"""The neural engine behind `paintsundo run --engine neural`: the flow, with placement, progress and
the frame, stage and event bookkeeping the writers and the manifest share with the procedural engine."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch

from paintsundo.hub import ModelPaths
from paintsundo.pipeline.flow import Keyframe, make_keyframes, make_video
from paintsundo.pipeline.models import Placement, load_multi_frame, load_single_frame, modules_of
from paintsundo.procedural.timeline import Event, Stage
from paintsundo.settings import Settings
from paintsundo.tagger import Tagger

Progress = Callable[[str, int, int], None]


@dataclass
class NeuralProcess:
    """Frames from blank to finished, with one stage per video segment and one event per keyframe."""

    frames: list[np.ndarray]
    stages: tuple[Stage, ...]
    events: tuple[Event, ...]
    prompt: str
    details: dict = field(default_factory=dict)  # for the manifest: device, placement, peak memory

    def __len__(self) -> int:
        return len(self.frames)

    def frame(self, index: int) -> np.ndarray:
        return self.frames[index]

    def stage_at(self, index: int) -> str:
        return next(
            (stage.name for stage in self.stages if stage.start <= index < stage.end), self.stages[-1].name
        )


def timeline(keyframes: list[Keyframe], per_segment: int) -> tuple[tuple[Stage, ...], tuple[Event, ...]]:
    """Played blank to finished: segment k runs from keyframe n-k to n-k-1 (reversed order)."""
    played = keyframes[::-1]
    kept = per_segment - 1
    stages = tuple(
        Stage(f"segment {index + 1}: step {a.step} to {b.step}", index * kept, (index + 1) * kept)
        for index, (a, b) in enumerate(itertools.pairwise(played))
    )
    last = len(stages) * kept - 1
    events = tuple(
        Event(
            "keyframe",
            min(index * kept, last),
            min(index * kept, last) + 1,
            {"operation_step": key.step, "source": key.source},
        )
        for index, key in enumerate(played)
    )
    return stages, events


def neural_keyframes(
    picture: np.ndarray,
    settings: Settings,
    models: ModelPaths,
    target: torch.device,
    user_keyframes: list[Keyframe] | None = None,
    progress: Progress | None = None,
) -> tuple[str, list[Keyframe]]:
    """Stages 1 and 2: the prompt (the tagger's unless one is given) and the keyframes."""
    prompt = settings.prompt
    if prompt is None:
        if progress:
            progress("tagging", 0, 1)
        prompt = Tagger(models.tagger)(picture)
    single = load_single_frame(models.single_frame, target)
    placement = Placement(target, settings.memory, [modules_of(single)])
    return prompt, make_keyframes(
        single, placement, picture, prompt, settings.keyframes, user_keyframes, progress
    )


def neural_video(
    keyframes: list[Keyframe],
    settings: Settings,
    models: ModelPaths,
    target: torch.device,
    prompt: str,
    details: dict,
    progress: Progress | None = None,
) -> NeuralProcess:
    """Stage 3: the video through the keyframes (most finished first), with its timeline."""
    multi = load_multi_frame(models.multi_frame, target)
    placement = Placement(target, settings.memory, [modules_of(multi)])
    frames = make_video(multi, placement, [k.picture for k in keyframes], settings.video, progress)
    stages, events = timeline(keyframes, settings.video.frames_per_segment)
    details = {"device": str(target), "placement": placement.mode, **details}
    if target.type == "cuda":
        details["peak_gpu_memory_gib"] = round(torch.cuda.max_memory_allocated(target) / 2**30, 3)
    return NeuralProcess(frames, stages, events, prompt, details)


def run_neural(
    picture: np.ndarray,
    settings: Settings,
    models: ModelPaths,
    device: str,
    user_keyframes: list[Keyframe] | None = None,
    progress: Progress | None = None,
) -> NeuralProcess:
    """All three stages: tag (unless a prompt is given), make keyframes, interpolate the segments."""
    target = torch.device(device)
    if target.type == "cuda":
        torch.cuda.reset_peak_memory_stats(target)
    prompt, keyframes = neural_keyframes(picture, settings, models, target, user_keyframes, progress)
    listing = [{"operation_step": k.step, "source": k.source} for k in keyframes]
    return neural_video(
        keyframes, settings, models, target, prompt, {"prompt": prompt, "keyframes": listing}, progress
    )


def keyframes_process(
    pictures: list[np.ndarray],
    settings: Settings,
    models: ModelPaths,
    device: str,
    progress: Progress | None = None,
) -> NeuralProcess:
    """Stage 3 alone, through given keyframes, most finished first."""
    keyframes = [Keyframe(index, picture, "given") for index, picture in enumerate(pictures)]
    details = {"keyframes_given": len(pictures)}
    return neural_video(
        keyframes, settings, models, torch.device(device), settings.video.prompt, details, progress
    )
