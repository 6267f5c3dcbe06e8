"""The neural engine behind `paintsundo run --engine neural`: the flow, with placement, progress and
the frame, stage and event bookkeeping the writers and the manifest share with the procedural engine."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from paintsundo.hub import ModelPaths
from paintsundo.pipeline.acceleration import (
    choose_attention_kernels,
    compile_image_decoder,
    compile_unet,
    compile_video_decoder,
)
from paintsundo.pipeline.flow import Keyframe, make_keyframes, make_video
from paintsundo.pipeline.models import (
    MultiFrameModels,
    SingleFrameModels,
    load_multi_frame,
    load_single_frame,
    modules_of,
    planned_bytes,
)
from paintsundo.pipeline.placement import Placement, choose_plan, use_expandable_segments
from paintsundo.settings import Settings
from paintsundo.tagger import Tagger
from paintsundo.timeline import Event, Stage
from paintsundo.weights.release import MULTI_FRAME, SINGLE_FRAME

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


class NeuralPipeline:
    """The models of one device, loaded when first needed and kept for the next pictures (the app and
    batch workers reuse one), placed by the memory plan chosen for this device."""

    def __init__(
        self, paths: ModelPaths, device: str | torch.device, memory: str = "auto", compile: bool = False
    ) -> None:
        self.paths, self.device, self.compile = paths, torch.device(device), compile
        if self.device.type == "cuda":
            use_expandable_segments()
        sizes = [
            planned_bytes(paths.single_frame, SINGLE_FRAME, self.device),
            planned_bytes(paths.multi_frame, MULTI_FRAME, self.device),
        ]
        self.plan, self.plan_reason = choose_plan(memory, self.device, sizes)
        self.placement = Placement(self.device, self.plan)
        self._loaded: dict[str, SingleFrameModels | MultiFrameModels] = {}

    @property
    def single(self) -> SingleFrameModels:
        return self._load("single", load_single_frame, self.paths.single_frame)

    @property
    def multi(self) -> MultiFrameModels:
        return self._load("multi", load_multi_frame, self.paths.multi_frame)

    def _load(self, name: str, loader: Callable, folder: Path) -> SingleFrameModels | MultiFrameModels:
        """The model set, loaded, placed and (if asked) compiled on first use."""
        if name not in self._loaded:
            models = self._loaded[name] = loader(folder, self.device)
            choose_attention_kernels(models.unet)
            if self.compile:  # first: it lays out the weights that the placement then packs
                compile_unet(models.unet)
                if isinstance(models, MultiFrameModels):
                    compile_video_decoder(models.vae.decoder)
                else:
                    compile_image_decoder(models.vae.decoder)
            self.placement.add_stage(modules_of(models))
        return self._loaded[name]

    def details(self) -> dict:
        """For the manifest: where it ran, the memory plan and why, the peak GPU memory."""
        details = {"device": str(self.device), "memory": self.plan.mode, "memory_choice": self.plan_reason}
        if self.compile:
            details["compiled"] = True
        if self.device.type == "cuda":
            details["peak_gpu_memory_gib"] = round(torch.cuda.max_memory_allocated(self.device) / 2**30, 3)
        return details

    def keyframes(
        self,
        picture: np.ndarray,
        settings: Settings,
        user_keyframes: list[Keyframe] | None = None,
        progress: Progress | None = None,
    ) -> tuple[str, list[Keyframe]]:
        """Stages 1 and 2: the prompt (the tagger's unless one is given) and the keyframes."""
        prompt = settings.prompt
        if prompt is None:
            if progress:
                progress("tagging", 0, 1)
            prompt = Tagger(self.paths.tagger)(picture)
        made = make_keyframes(
            self.single, self.placement, picture, prompt, settings.keyframes, user_keyframes, progress
        )
        return prompt, made

    def video(
        self,
        keyframes: list[Keyframe],
        settings: Settings,
        prompt: str,
        details: dict,
        progress: Progress | None = None,
    ) -> NeuralProcess:
        """Stage 3: the video through the keyframes (most finished first), with its timeline."""
        pictures = [keyframe.picture for keyframe in keyframes]
        frames = make_video(self.multi, self.placement, pictures, settings.video, progress)
        stages, events = timeline(keyframes, settings.video.frames_per_segment)
        segment_batch = self.plan.segments_per_batch(settings.video)
        details = {**self.details(), "segment_batch": segment_batch, **details}
        return NeuralProcess(frames, stages, events, prompt, details)

    def run(
        self,
        picture: np.ndarray,
        settings: Settings,
        user_keyframes: list[Keyframe] | None = None,
        progress: Progress | None = None,
    ) -> NeuralProcess:
        """All three stages: tag (unless a prompt is given), make keyframes, interpolate the segments."""
        if self.device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(self.device)
        prompt, keyframes = self.keyframes(picture, settings, user_keyframes, progress)
        listing = [{"operation_step": k.step, "source": k.source} for k in keyframes]
        return self.video(keyframes, settings, prompt, {"prompt": prompt, "keyframes": listing}, progress)


@functools.lru_cache(maxsize=1)
def pipeline_for(paths: ModelPaths, device: str, memory: str, compile: bool) -> NeuralPipeline:
    """One loaded pipeline per process, reused while the models, device and memory mode stay the same."""
    return NeuralPipeline(paths, device, memory, compile)


def _shared(models: ModelPaths, device: str, settings: Settings) -> NeuralPipeline:
    return pipeline_for(models, device, settings.memory, settings.compile)


def neural_keyframes(
    picture: np.ndarray,
    settings: Settings,
    models: ModelPaths,
    device: str,
    user_keyframes: list[Keyframe] | None = None,
    progress: Progress | None = None,
) -> tuple[str, list[Keyframe]]:
    """Stages 1 and 2 with the process's pipeline."""
    return _shared(models, device, settings).keyframes(picture, settings, user_keyframes, progress)


def run_neural(
    picture: np.ndarray,
    settings: Settings,
    models: ModelPaths,
    device: str,
    user_keyframes: list[Keyframe] | None = None,
    progress: Progress | None = None,
) -> NeuralProcess:
    """All three stages with the process's pipeline."""
    return _shared(models, device, settings).run(picture, settings, user_keyframes, progress)


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
    return _shared(models, device, settings).video(
        keyframes, settings, settings.video.prompt, details, progress
    )
