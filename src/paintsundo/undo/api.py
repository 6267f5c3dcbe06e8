"""The Python API: a picture to frames, and a picture to a written video, with either engine."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from paintsundo.errors import PaintsUndoError
from paintsundo.extras import NEURAL_PACKAGES, require_extra
from paintsundo.outputs import check_not_inputs, check_writable, resolve_output, sidecar, written_paths
from paintsundo.outputs.atomic import Staging
from paintsundo.outputs.contact_sheet import contact_frame_indices, contact_sheet
from paintsundo.outputs.provenance import provenance_text
from paintsundo.outputs.writers import open_writer, png_provenance
from paintsundo.picture import Picture, PictureSource, load_source
from paintsundo.timeline import Event, Progress, Stage
from paintsundo.undo.engines import EngineChoice, choose_engine, gpu_devices
from paintsundo.undo.manifest import build_manifest
from paintsundo.undo.procedural import DrawingProcess
from paintsundo.undo.settings import Settings

if TYPE_CHECKING:
    from paintsundo.hub import ModelPaths
    from paintsundo.undo.pipeline import NeuralPipeline
    from paintsundo.undo.pipeline.paints_undo import PaintsUndoPipeline

# A user keyframe: a picture, and its operation step (1..999) or None (see `place_user_keyframes`).
UserKeyframe = tuple[PictureSource, int | None]


@runtime_checkable
class Process(Protocol):
    """What both engines give: frames by index, the stages and events of the timeline, and what the
    manifest records of how the frames were made."""

    stages: tuple[Stage, ...]
    events: tuple[Event, ...]
    details: dict[str, Any]  # the neural engine's run: device, memory plan, prompt, keyframes...
    workflow_choice: dict[str, Any] | None  # the procedural engine's workflow, and why it was chosen
    drawn_as_written: bool  # each frame is drawn when asked for, not made before the writing

    def __len__(self) -> int: ...

    def frame(self, index: int) -> np.ndarray: ...

    def stage_at(self, index: int) -> str: ...


@dataclass(frozen=True)
class RunResult:
    output: Path
    manifest_path: Path
    contact_sheet: Path | None
    manifest: dict[str, Any]


def draw_process(
    picture: PictureSource,
    settings: Settings | None = None,
    *,
    models: str | Path | None = None,
    user_keyframes: Sequence[UserKeyframe] = (),
    progress: Progress | None = None,
) -> Process:
    """The drawing process of a picture: index it for RGB uint8 frames (h w 3), blank to finished."""
    settings = settings or Settings()
    choice = _choose_engine(settings, models, user_keyframes)
    return _run_engine(choice, _load(picture, settings, choice), settings, user_keyframes, progress)


def make_video(
    picture: PictureSource,
    output: str | Path | None = None,
    settings: Settings | None = None,
    *,
    format: str | None = None,
    name: str | None = None,
    with_contact_sheet: bool = False,
    models: str | Path | None = None,
    user_keyframes: Sequence[UserKeyframe] = (),
    progress: Progress | None = None,
) -> RunResult:
    """Write the drawing process of a picture as MP4, GIF, WebP or PNG frames, with its manifest.

    Nothing appears at the output paths unless the whole run succeeds.
    """
    job = prepare_video(
        picture, output, settings, format=format, name=name, models=models, user_keyframes=user_keyframes
    )
    return job.write(with_contact_sheet=with_contact_sheet, progress=progress)


def prepare_video(
    picture: PictureSource,
    output: str | Path | None = None,
    settings: Settings | None = None,
    *,
    format: str | None = None,
    name: str | None = None,
    models: str | Path | None = None,
    user_keyframes: Sequence[UserKeyframe] = (),
) -> VideoJob:
    """Check everything a run needs (engine, picture, output path) before any frame is drawn.

    `output` is a file, or a folder to write `<name>.<format>` into (see `resolve_output`); `name`
    defaults to the picture's file name without its suffix.
    """
    started = time.perf_counter()
    settings = settings or Settings()
    choice = _choose_engine(settings, models, user_keyframes)
    source = _load(picture, settings, choice)
    input_path = Path(picture) if isinstance(picture, (str, Path)) else None
    stem = name or (input_path.stem if input_path else "picture")
    folder = input_path.parent if input_path else Path.cwd()
    target, chosen_format = resolve_output(stem, folder, output, format)
    check_not_inputs(written_paths(target), [input_path, *(p for p, _ in user_keyframes)])
    check_writable(target)
    return VideoJob(
        settings, choice, source, input_path, tuple(user_keyframes), target, chosen_format, started
    )


@dataclass(frozen=True)
class VideoJob:
    """A checked run, ready to draw: `write` renders the frames and commits every output."""

    settings: Settings
    choice: EngineChoice
    picture: Picture
    input_path: Path | None
    user_keyframes: tuple[UserKeyframe, ...]
    output: Path
    format: str
    started: float

    @property
    def engine(self) -> str:
        return self.choice.engine

    @property
    def engine_reason(self) -> str:
        return self.choice.reason

    @property
    def warnings(self) -> tuple[str, ...]:
        """What the run goes on with but the user should know (see `Picture.warnings`)."""
        return self.picture.warnings

    def write(
        self,
        *,
        with_contact_sheet: bool = False,
        progress: Progress | None = None,
        process: Process | None = None,
    ) -> RunResult:
        """Render (unless a finished process is given), write the output, its manifest and contact sheet."""
        loaded = time.perf_counter()
        if process is None:
            process = _run_engine(self.choice, self.picture, self.settings, self.user_keyframes, progress)
        analysed = time.perf_counter()
        provenance = provenance_text(self.engine)
        sheet_path = sidecar(self.output, ".contact.png") if with_contact_sheet else None
        manifest_path = sidecar(self.output, ".json")
        try:
            with Staging() as staging:
                frames_path = staging.path(self.output, folder=self.format == "frames")
                sampled = _write_frames(
                    process, frames_path, self.format, self.settings, provenance, progress, with_contact_sheet
                )
                written = time.perf_counter()
                if sheet_path is not None:
                    title = (
                        f"paintsundo · {self.output.name} · synthetic drawing process ({self.engine} engine)"
                    )
                    sheet = contact_sheet(sampled, title)
                    sheet.save(staging.path(sheet_path), format="PNG", pnginfo=png_provenance(provenance))
                timings = {
                    "load": loaded - self.started,
                    "engine": analysed - loaded,
                    "render_and_write": written - analysed,
                    "total": time.perf_counter() - self.started,
                }
                manifest = self._manifest(process, timings, provenance)
                text = json.dumps(manifest, indent=2) + "\n"
                staging.path(manifest_path).write_text(text, encoding="utf-8")
        except OSError as error:
            raise PaintsUndoError(f"cannot write output {self.output}: {error.strerror or error}") from None
        return RunResult(self.output, manifest_path, sheet_path, manifest)

    def _manifest(self, process: Process, timings: dict[str, float], provenance: str) -> dict[str, Any]:
        manifest = build_manifest(
            engine=self.engine,
            engine_reason=self.engine_reason,
            settings=self.settings,
            input_path=self.input_path,
            seeds_used=self._seeds_used(process),
            warnings=list(self.warnings),
            input_sha256=self.picture.sha256,
            source_size=self.picture.source_size,
            output=self.output,
            format=self.format,
            size=(process.frame(0).shape[1], process.frame(0).shape[0]),
            frames=len(process),
            stages=[vars(stage) for stage in process.stages],
            events=[event.to_json() for event in process.events],
            timings=timings,
            provenance=provenance,
        )
        if process.details:
            manifest["neural"] = process.details
        if process.workflow_choice:
            manifest["workflow"] = process.workflow_choice
        return manifest

    def _seeds_used(self, process: Process) -> dict[str, int]:
        """The seeds that drew this process: the procedural engine's, or each neural stage's run."""
        if self.engine != "neural":
            return {"procedural": self.settings.procedural_seed}
        video = {"video": self.settings.video_settings.seed}
        if "keyframes_given" in process.details:  # the video stage alone
            return video
        return {"keyframes": self.settings.keyframe_settings.seed, **video}


def _write_frames(
    process: Process,
    temporary: Path,
    format: str,
    settings: Settings,
    provenance: str,
    progress: Progress | None,
    keep_samples: bool,
) -> list[tuple[int, str, np.ndarray]]:
    writer = open_writer(format, temporary, settings.fps, settings.hold, provenance)
    wanted = set(contact_frame_indices(len(process))) if keep_samples else set()
    report = progress or (lambda stage, done, total: None)
    drawn_here = process.drawn_as_written  # then writing a frame is drawing it: report the stage
    samples = []
    try:
        for index in range(len(process)):
            frame = process.frame(index)
            writer.add(frame)
            if index in wanted:
                samples.append((index, process.stage_at(index), frame))
            report(*(stage_progress(process, index) if drawn_here else ("encoding", index + 1, len(process))))
    finally:
        writer.close()
    report("encoding", len(process), len(process))
    return samples


def stage_progress(process: Process, index: int) -> tuple[str, int, int]:
    """(stage, frames of it done, its frames) once frame `index` is drawn; frame 0 is the blank canvas."""
    for stage in process.stages:
        if stage.start <= index < stage.end:
            return stage.name, index - stage.start + 1, stage.end - stage.start
    return "blank", 1, 1


def _load(picture: PictureSource, settings: Settings, choice: EngineChoice) -> Picture:
    # The neural engine resizes with the reference app's own filters, so it gets the full picture.
    return load_source(picture, "source" if choice.engine == "neural" else settings.size)


def _choose_engine(
    settings: Settings, models: str | Path | None, user_keyframes: Sequence[UserKeyframe] = ()
) -> EngineChoice:
    """The engine for these settings; the GPUs asked for, and that user keyframes go to the neural
    engine, are checked before any work."""
    choice = choose_engine(settings.engine, models, settings.device)
    if choice.engine == "neural" and settings.gpus:
        gpu_devices(settings.gpus)
    if user_keyframes and choice.engine != "neural":
        _refuse_user_keyframes()
    return choice


def _refuse_user_keyframes() -> None:
    """User keyframes need the neural engine; where its extra is missing, that is said too."""
    try:
        require_extra("neural", NEURAL_PACKAGES, "user keyframes need the neural engine, and it")
    except PaintsUndoError as missing:
        raise PaintsUndoError(f"{missing}, then choose it", "engine") from None
    raise PaintsUndoError("user keyframes need the neural engine: choose it", "engine")


def _neural_pipeline(choice: EngineChoice, settings: Settings) -> NeuralPipeline:
    """The process's pipeline: on one device, or shared out between the GPUs asked for."""
    if len(settings.gpus) > 1:
        from paintsundo.undo.pipeline.spread import shared_spread_pipeline

        devices = tuple(gpu_devices(settings.gpus))
        return shared_spread_pipeline(choice.models, devices, settings.memory, settings.compile)
    device = choice.first_device(settings.gpus)
    return started_pipeline(choice.models, device, settings.memory, settings.compile)


def started_pipeline(models: ModelPaths, device: str, memory: str, compile: bool) -> PaintsUndoPipeline:
    """The process's pipeline of one device (`shared_pipeline`); a new one's device is started and
    its weights read onto it (where the memory plan keeps them there) while its modules import."""
    from paintsundo.undo.pipeline.shared import shared_pipeline

    return shared_pipeline(models, device, memory, compile)


def _run_engine(
    choice: EngineChoice,
    picture: Picture,
    settings: Settings,
    user_keyframes: Sequence[UserKeyframe],
    progress: Progress | None,
) -> Process:
    if choice.engine == "neural":
        pipeline = _neural_pipeline(choice, settings)
        given = [(_load(source, settings, choice).pixels, step) for source, step in user_keyframes]
        return pipeline(
            picture.pixels,
            settings.keyframe_settings,
            settings.video_settings,
            settings.prompt,
            given,
            progress,
        )
    return DrawingProcess(
        picture.pixels,
        frames=settings.frames,
        seed=settings.procedural_seed,
        workflow=settings.workflow,
        stage_weights=dict(settings.stage_weights),
        behaviours=settings.behaviours,
    )
