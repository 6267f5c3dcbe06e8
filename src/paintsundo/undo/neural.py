"""The neural engine's stages on their own: keyframes for a picture, or a video between two pictures."""

from __future__ import annotations

import dataclasses
import json
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from paintsundo.errors import PaintsUndoError
from paintsundo.outputs import check_not_inputs, written_paths
from paintsundo.outputs.atomic import Staging
from paintsundo.outputs.provenance import provenance_text
from paintsundo.outputs.writers import png_provenance
from paintsundo.picture import PictureSource, load_source
from paintsundo.timeline import Keyframe, Progress
from paintsundo.undo.api import Process, RunResult, UserKeyframe, prepare_video, started_pipeline
from paintsundo.undo.engines import choose_engine
from paintsundo.undo.settings import Settings

if TYPE_CHECKING:
    from paintsundo.undo.pipeline.paints_undo import PaintsUndoPipeline
    from paintsundo.undo.pipeline.preparing import Preparation


def picture_prompt(picture: PictureSource, *, models: str | Path | None = None) -> str:
    """Stage 1: the WD14 tagger's prompt for a picture, as the reference app writes it."""
    _, pipeline = _neural(None, models)
    return pipeline.tagger_prompt(_pixels(picture))


@dataclass(frozen=True)
class KeyframesResult:
    folder: Path
    files: list[Path]  # in drawing order: finished picture first, blank canvas last
    prompt: str


def keyframe_list(
    picture: PictureSource,
    settings: Settings | None = None,
    *,
    models: str | Path | None = None,
    user_keyframes: Sequence[UserKeyframe] = (),
    progress: Progress | None = None,
) -> tuple[str, list[Keyframe]]:
    """Stage 2: the prompt and the keyframes (input, then by operation step, then the blank canvas)."""
    settings, pipeline = _neural(settings, models)
    source = _pixels(picture)
    prompt = pipeline.tagger_prompt(source, progress) if settings.prompt is None else settings.prompt
    given = [(_pixels(source_of_step), step) for source_of_step, step in user_keyframes]
    return prompt, pipeline.keyframes(source, settings.keyframe_settings, prompt, given, progress)


def make_keyframes(
    picture: PictureSource,
    folder: str | Path,
    settings: Settings | None = None,
    *,
    models: str | Path | None = None,
    user_keyframes: Sequence[UserKeyframe] = (),
    progress: Progress | None = None,
) -> KeyframesResult:
    """Write the keyframes as keyframe_<index>_step<step>.png, with keyframes.json, into `folder`."""
    target = Path(folder)
    check_not_inputs([target], [picture, *(source for source, _ in user_keyframes)])
    prompt, made = keyframe_list(
        picture, settings, models=models, user_keyframes=user_keyframes, progress=progress
    )
    with Staging() as staging:
        temporary = staging.path(target, folder=True)
        names = [f"keyframe_{index:02d}_step{key.step:04d}.png" for index, key in enumerate(made)]
        info = png_provenance(provenance_text("neural"))
        for name, key in zip(names, made, strict=True):
            Image.fromarray(key.picture).save(temporary / name, pnginfo=info)
        listing = [
            {"file": n, "operation_step": k.step, "source": k.source}
            for n, k in zip(names, made, strict=True)
        ]
        (temporary / "keyframes.json").write_text(
            json.dumps({"prompt": prompt, "keyframes": listing}, indent=2)
        )
    return KeyframesResult(target, [target / name for name in names], prompt)


def keyframes_video_process(
    keyframes: Sequence[PictureSource],
    settings: Settings | None = None,
    *,
    models: str | Path | None = None,
    progress: Progress | None = None,
) -> Process:
    """Stage 3's frames through keyframes given most finished first (as stage 2 lists them)."""
    if len(keyframes) < 2:
        raise PaintsUndoError("the video needs at least two keyframes")
    settings, pipeline = _neural(settings, models)
    given = [Keyframe(index, _pixels(picture), "given") for index, picture in enumerate(keyframes)]
    process = pipeline.video(given, settings.video_settings, progress)
    process.details["keyframes_given"] = len(given)
    return process


def video_from_keyframes(
    keyframes: Sequence[PictureSource],
    output: str | Path | None = None,
    settings: Settings | None = None,
    *,
    models: str | Path | None = None,
    format: str | None = None,
    with_contact_sheet: bool = False,
    progress: Progress | None = None,
) -> RunResult:
    """Stage 3 written out: the video through the given keyframes, with its manifest."""
    settings = _neural_settings(settings)  # the pipeline waits for keyframes_video_process
    job = prepare_video(keyframes[0], output, settings, format=format, models=models)
    check_not_inputs(written_paths(job.output), keyframes)
    process = keyframes_video_process(keyframes, settings, models=models, progress=progress)
    return job.write(with_contact_sheet=with_contact_sheet, progress=progress, process=process)


def interpolate_pictures(
    earlier: PictureSource,
    later: PictureSource,
    output: str | Path | None = None,
    settings: Settings | None = None,
    *,
    models: str | Path | None = None,
    format: str | None = None,
    with_contact_sheet: bool = False,
    progress: Progress | None = None,
) -> RunResult:
    """A video from `earlier` (less finished) to `later`: one segment of the multi-frame model."""
    return video_from_keyframes(
        [later, earlier],
        output,
        settings,
        models=models,
        format=format,
        with_contact_sheet=with_contact_sheet,
        progress=progress,
    )


def plan_compiled_work(
    settings: Settings | None = None,
    *,
    models: str | Path | None = None,
    progress: Progress | None = None,
) -> Preparation:
    """Record the neural job's compiled-block calls at the settings' sizes (a short eager job on the
    chosen GPU) and list those not yet prepared; `Preparation.compile` then builds their packages,
    which later runs on this GPU load instead of compiling."""
    settings = _neural_settings(settings)
    choice = choose_engine("neural", models, settings.device)
    from paintsundo.undo.pipeline.preparing import plan_preparation

    device = choice.first_device(settings.gpus)
    return plan_preparation(
        choice.models, device, settings.keyframe_settings, settings.video_settings, progress
    )


def compiled_work_state(device: str) -> str:
    """For a CUDA device: "prepared", "unprepared", or "unloadable" (this torch build crashed loading
    the packages it compiled, so runs stay eager); "eager" elsewhere."""
    import torch

    from paintsundo.undo.runtime.prepared import preparation_state

    chosen = torch.device(device)
    return preparation_state(chosen) if chosen.type == "cuda" else "eager"


def _neural(settings: Settings | None, models: str | Path | None) -> tuple[Settings, PaintsUndoPipeline]:
    """The settings for the neural engine, and the process's pipeline for them."""
    settings = _neural_settings(settings)
    choice = choose_engine("neural", models, settings.device)  # first: it says what is missing
    return settings, started_pipeline(choice.models, choice.device, settings.memory, settings.compile)


def _neural_settings(settings: Settings | None) -> Settings:
    return dataclasses.replace(settings or Settings(), engine="neural")


def _pixels(picture: PictureSource) -> np.ndarray:
    # The neural engine resizes with the reference app's own filters, so it gets the full picture.
    return load_source(picture, "source").pixels


def __getattr__(name: str) -> object:
    # `tag` was `picture_prompt`'s name: kept for one release.
    if name == "tag":
        message = "paintsundo.undo.neural.tag is now picture_prompt"
        warnings.warn(message, DeprecationWarning, stacklevel=2)
        return picture_prompt
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
