"""Paints-UNDO (lllyasviel, 2024) as one pipeline: a finished picture in, its drawing process out.

    pipeline = PaintsUndoPipeline(paths, "cuda")
    process = pipeline(picture, KeyframeSettings(), VideoSettings())

Three stages, as the reference app runs them:
1. `tagger_prompt`: the WD14 tagger's prompt for the picture (unless one is given);
2. `keyframes`: the single-frame model undoes the picture to several operation steps at once
   (`keyframes.generate_keyframes`: encode, sample, decode), between the picture and a blank canvas;
   the user's own keyframes take their steps;
3. `video`: the multi-frame model fills 16 frames between each two neighbouring keyframes
   (`video.interpolate_groups`: encode every segment, sample, decode), joined and played from blank
   to finished.

The models load on first use and stay, so one pipeline serves many pictures; where they sit during
a run follows a memory plan (`placement.py`), and `compile` compiles them once loaded.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import torch

from paintsundo.errors import PaintsUndoError
from paintsundo.hub import ModelPaths
from paintsundo.models.compiling import CallRoute
from paintsundo.tagger import Tagger
from paintsundo.timeline import Event, Keyframe, Progress, Stage
from paintsundo.undo.pipeline.images import resize_and_center_crop
from paintsundo.undo.pipeline.keyframes import keyframe_sequence
from paintsundo.undo.pipeline.settings import BLANK_STEP, KeyframeSettings, VideoSettings
from paintsundo.undo.pipeline.video import SegmentGroup, interpolate_groups, video_frames
from paintsundo.undo.runtime.acceleration import (
    choose_attention_kernels,
    compile_limits,
    compile_models,
    route_compiled_calls,
)
from paintsundo.undo.runtime.device_start import DeviceStart
from paintsundo.undo.runtime.model_sets import (
    MultiFrameModels,
    SingleFrameModels,
    load_multi_frame,
    load_single_frame,
    modules_of,
)
from paintsundo.undo.runtime.placement import Placement
from paintsundo.undo.runtime.prepared import CallCounts, PreparedWork, prepared_work

# A user's keyframe, loaded: a picture (RGB uint8) and its operation step, or None to spread it.
KeyframePicture = tuple[np.ndarray, int | None]


@dataclass
class NeuralProcess:
    """Frames from blank to finished, with one stage per video segment and one event per keyframe."""

    frames: list[np.ndarray]
    stages: tuple[Stage, ...]
    events: tuple[Event, ...]
    prompt: str
    details: dict = field(default_factory=dict)  # for the manifest: device, placement, peak memory
    workflow_choice: ClassVar[None] = None  # no workflow is chosen: the models draw as they were trained
    drawn_as_written: ClassVar[bool] = False  # the frames are all made before any is written

    def __len__(self) -> int:
        return len(self.frames)

    def frame(self, index: int) -> np.ndarray:
        return self.frames[index]

    def stage_at(self, index: int) -> str:
        return next(
            (stage.name for stage in self.stages if stage.start <= index < stage.end), self.stages[-1].name
        )


class PaintsUndoPipeline:
    """The released models of one device, loaded when first needed and kept for the next pictures
    (the app and batch workers reuse one), placed by the memory plan chosen for this device.

    `compile` compiles the blocks in this process. Otherwise, while the weights stay on the GPU, the
    blocks' calls go to the compiled work prepared for this machine if there is any (prepared.py),
    or to `calls` if given (the preparation's recorder).

    `start`, begun before this module imported (`DeviceStart.begin`, as `shared_pipeline` does),
    gives the memory plan and the weights it read ahead; without one, the plan is chosen here."""

    def __init__(
        self,
        paths: ModelPaths,
        device: str | torch.device,
        memory: str = "auto",
        compile: bool = False,
        calls: CallRoute | None = None,
        start: DeviceStart | None = None,
    ) -> None:
        self.paths, self.device, self.compile = paths, torch.device(device), compile
        start = DeviceStart(paths, self.device, memory) if start is None else start
        if (start.models, start.device, start.memory) != (paths, self.device, memory):
            raise ValueError("the device start was begun for other models, another device or memory mode")
        self.plan, self.plan_reason = start.plan()
        # What was read ahead is this pipeline's to take, and only weights that stay are read ahead.
        self.reads = start.reads
        if self.plan.keep != "all":
            self.reads.release()
        self.placement = Placement(self.device, self.plan)
        if calls is None and not compile and self.plan.keep == "all":
            calls = prepared_work(self.device)
        self.calls = calls
        self._loaded: dict[str, SingleFrameModels | MultiFrameModels] = {}
        self._reading: dict[str, Future] = {}
        self._reader: ThreadPoolExecutor | None = None
        self._tagger: Tagger | None = None

    @property
    def single(self) -> SingleFrameModels:
        return self._load("single")

    @property
    def multi(self) -> MultiFrameModels:
        return self._load("multi")

    def read_ahead(self, name: str) -> None:
        """Start reading a model set ("single" or "multi") on a background thread, so that its
        reading overlaps the work before its first use, where its failure is then raised. Only while
        the weights stay put (a plan that moves them needs the memory for the work at hand) and
        nothing compiles in this process (the reader's meta-device build would show in Dynamo's
        guards, which read the default device process-wide)."""
        if name in self._loaded or name in self._reading or self.plan.keep != "all" or self.compile:
            return
        if self._reader is None:
            self._reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="paintsundo-read")
        self._reading[name] = self._reader.submit(self._read, name)

    def _read(self, name: str) -> SingleFrameModels | MultiFrameModels:
        # Weights that stay on the GPU are read straight onto it: no pass through CPU memory.
        onto = self.device if self.plan.keep == "all" else None
        if name == "single":
            return load_single_frame(self.paths.single_frame, self.device, onto=onto, reads=self.reads)
        return load_multi_frame(self.paths.multi_frame, self.device, onto=onto, reads=self.reads)

    def _load(self, name: str) -> SingleFrameModels | MultiFrameModels:
        """The model set, loaded (or taken from its reading ahead), placed and (if asked) compiled
        on first use."""
        if name not in self._loaded:
            reading = self._reading.pop(name, None)
            models = self._loaded[name] = reading.result() if reading else self._read(name)
            choose_attention_kernels(models.unet)
            if self.compile:  # first: it lays out the weights that the placement then packs
                compile_models(models.unet, models.vae.decoder)
            elif self.calls is not None:
                route_compiled_calls(models.unet, models.vae.decoder, self.calls)
            self.placement.add_stage(modules_of(models))
            if len(self._loaded) == 2:  # both loaded: anything read ahead and not taken is of no use
                self.reads.release()
        return self._loaded[name]

    def tagger_prompt(self, picture: np.ndarray, progress: Progress | None = None) -> str:
        """Stage 1: the tagger's prompt for a picture (RGB uint8), as the reference app writes it."""
        if progress:
            progress("tagging", 0, 1)
        if self._tagger is None:
            self._tagger = Tagger(self.paths.tagger)
        return self._tagger(picture)

    def keyframes(
        self,
        picture: np.ndarray,
        keyframe_settings: KeyframeSettings,
        prompt: str,
        user_keyframes: Sequence[KeyframePicture] = (),
        progress: Progress | None = None,
    ) -> list[Keyframe]:
        """Stage 2: the picture, the keyframes by operation step and the blank canvas, most
        finished first. The user's keyframes take their steps (see `place_user_keyframes`)."""
        keyframe_settings, given = place_user_keyframes(keyframe_settings, user_keyframes)
        with self._compiled_limits():
            return keyframe_sequence(
                self.single, self.placement, picture, prompt, keyframe_settings, given, progress
            )

    def video(
        self, keyframes: list[Keyframe], video_settings: VideoSettings, progress: Progress | None = None
    ) -> NeuralProcess:
        """Stage 3: the frames through the keyframes (most finished first), played from blank to
        finished, with a stage per segment and an event per keyframe."""
        pictures = [keyframe.picture for keyframe in keyframes]
        with self._compiled_limits():
            frames = video_frames(self.multi, self.placement, pictures, video_settings, progress)
        batch = self.plan.segments_per_batch(video_settings)
        return video_process(frames, keyframes, video_settings, {**self.details(), "segment_batch": batch})

    def segments(
        self,
        groups: list[SegmentGroup],
        video_settings: VideoSettings,
        segments: int,
        progress: Progress | None = None,
    ) -> list[np.ndarray]:
        """Part of stage 3 on this pipeline's device: the frames of these groups' segments (t h w 3),
        out of a video of `segments`; for a picture shared out between devices."""
        with self._compiled_limits():
            return interpolate_groups(self.multi, self.placement, groups, video_settings, progress, segments)

    def __call__(
        self,
        picture: np.ndarray,
        keyframe_settings: KeyframeSettings,
        video_settings: VideoSettings,
        prompt: str | None = None,
        user_keyframes: Sequence[KeyframePicture] = (),
        progress: Progress | None = None,
    ) -> NeuralProcess:
        """All three stages: tag (unless a prompt is given), make the keyframes, fill the video."""
        self.start_picture()
        self._load("single")  # the keyframes' models first, then the video's are read meanwhile
        self.read_ahead("multi")
        prompt = self.tagger_prompt(picture, progress) if prompt is None else prompt
        keyframes = self.keyframes(picture, keyframe_settings, prompt, user_keyframes, progress)
        return with_keyframes_recorded(self.video(keyframes, video_settings, progress), keyframes, prompt)

    def start_picture(self) -> None:
        """What the manifest reports is per picture: the peak GPU memory, how the block calls ran."""
        if self.device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(self.device)
        if isinstance(self.calls, PreparedWork):
            self.calls.counts = CallCounts()

    def _compiled_limits(self) -> contextlib.AbstractContextManager:
        """Compiled models run with Dynamo's limits raised for their shapes, for that run only."""
        return compile_limits() if self.compile else contextlib.nullcontext()

    def details(self) -> dict:
        """For the manifest: where it ran, the memory plan and why, the peak GPU memory."""
        details = {"device": str(self.device), "memory": self.plan.mode, "memory_choice": self.plan_reason}
        if self.compile:
            details["compiled"] = True
        if isinstance(self.calls, PreparedWork):
            counts = self.calls.counts
            details["prepared_calls"] = {"prepared": counts.prepared, "eager": counts.eager}
            if counts.broken:
                details["prepared_calls"]["broken"] = counts.broken
        if self.device.type == "cuda":
            details["peak_gpu_memory_gib"] = round(torch.cuda.max_memory_allocated(self.device) / 2**30, 3)
        return details


def video_process(
    frames: list[np.ndarray], keyframes: list[Keyframe], video_settings: VideoSettings, details: dict
) -> NeuralProcess:
    """The video's frames with a stage per segment and an event per keyframe."""
    stages, events = segment_timeline(keyframes, video_settings.frames_per_segment)
    return NeuralProcess(frames, stages, events, video_settings.prompt, details)


def with_keyframes_recorded(process: NeuralProcess, keyframes: list[Keyframe], prompt: str) -> NeuralProcess:
    """The process with its prompt, and each keyframe's step and source for the manifest."""
    listing = [{"operation_step": k.step, "source": k.source} for k in keyframes]
    process.prompt = prompt
    process.details.update(prompt=prompt, keyframes=listing)
    return process


def place_user_keyframes(
    keyframe_settings: KeyframeSettings, given: Sequence[KeyframePicture]
) -> tuple[KeyframeSettings, list[Keyframe]]:
    """The user's pictures as keyframes (asked for upstream in Paints-UNDO issues #50 and #70).

    With operation steps, each replaces the generated keyframe of its step or adds one. Without,
    they are the whole middle of the sequence, in the order given (most finished first), spread
    evenly, and none is generated. Mixing both is refused.
    """
    if not given:
        return keyframe_settings, []
    with_steps = [step is not None for _, step in given]
    if any(with_steps) and not all(with_steps):
        raise PaintsUndoError(
            "give every user keyframe an operation step, or none: mixing both is ambiguous", "user_keyframes"
        )
    count = len(given)
    steps = [step for _, step in given] if all(with_steps) else _spread(count)
    if len(set(steps)) != len(steps) or any(not 0 < step < BLANK_STEP for step in steps):
        raise PaintsUndoError("keyframe steps must be distinct whole numbers from 1 to 999", "user_keyframes")
    keyframes = [
        Keyframe(
            step, resize_and_center_crop(picture, keyframe_settings.width, keyframe_settings.height), "user"
        )
        for (picture, _), step in zip(given, steps, strict=True)
    ]
    if not all(with_steps):
        keyframe_settings = dataclasses.replace(keyframe_settings, operation_steps=tuple(steps))
    return keyframe_settings, keyframes


def _spread(count: int) -> list[int]:
    """Evenly spaced operation steps for keyframes given in drawing order."""
    return [round(BLANK_STEP * (index + 1) / (count + 1)) for index in range(count)]


def segment_timeline(
    keyframes: list[Keyframe], per_segment: int
) -> tuple[tuple[Stage, ...], tuple[Event, ...]]:
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
