"""The Python API: a picture to frames, and a picture to a written video."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from paintsundo.engines import choose_engine
from paintsundo.errors import PaintsUndoError
from paintsundo.manifest import build_manifest
from paintsundo.outputs import resolve_output, sidecar
from paintsundo.outputs.atomic import Staging
from paintsundo.outputs.contact_sheet import contact_frame_indices, contact_sheet
from paintsundo.outputs.provenance import provenance_text
from paintsundo.outputs.writers import open_writer
from paintsundo.picture import Picture, load_picture, picture_from_array
from paintsundo.procedural import DrawingProcess
from paintsundo.settings import Settings

PictureSource = str | Path | np.ndarray | Image.Image
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class RunResult:
    output: Path
    manifest_path: Path
    contact_sheet: Path | None
    manifest: dict[str, Any]


def draw_process(picture: PictureSource, settings: Settings | None = None) -> DrawingProcess:
    """The drawing process of a picture: index it or iterate it for RGB uint8 frames (h w 3)."""
    settings = settings or Settings()
    choose_engine(settings.engine)
    return _build_process(_load(picture, settings), settings)


def make_video(
    picture: PictureSource,
    output: str | Path | None = None,
    settings: Settings | None = None,
    *,
    format: str | None = None,
    with_contact_sheet: bool = False,
    progress: Progress | None = None,
) -> RunResult:
    """Write the drawing process of a picture as MP4, GIF, WebP or PNG frames, with its manifest.

    Nothing appears at the output paths unless the whole run succeeds.
    """
    settings = settings or Settings()
    started = time.perf_counter()
    engine, reason = choose_engine(settings.engine)
    source = _load(picture, settings)
    input_path = Path(picture) if isinstance(picture, (str, Path)) else None
    stem = input_path.stem if input_path else "picture"
    folder = input_path.parent if input_path else Path.cwd()
    target, chosen_format = resolve_output(stem, folder, output, format)
    loaded = time.perf_counter()
    process = _build_process(source, settings)
    analysed = time.perf_counter()
    provenance = provenance_text(engine)
    try:
        with Staging() as staging:
            sampled = _write_frames(
                process,
                staging.path(target, folder=chosen_format == "frames"),
                chosen_format,
                settings,
                provenance,
                with_contact_sheet,
                progress,
            )
            written = time.perf_counter()
            sheet_path = sidecar(target, ".contact.png") if with_contact_sheet else None
            if sheet_path is not None:
                sheet = contact_sheet(sampled, f"paintsundo · {stem} · synthetic drawing process ({engine})")
                sheet.save(staging.path(sheet_path), format="PNG")
            timings = {
                "load": loaded - started,
                "analyse": analysed - loaded,
                "render_and_write": written - analysed,
            }
            timings["total"] = time.perf_counter() - started
            manifest = build_manifest(
                engine=engine,
                engine_reason=reason,
                settings=settings,
                input_path=input_path,
                input_sha256=source.sha256,
                source_size=source.source_size,
                output=target,
                format=chosen_format,
                size=source.size,
                stages=[vars(stage) for stage in process.stages],
                events=[event.to_json() for event in process.events],
                timings=timings,
                provenance=provenance,
            )
            manifest_path = sidecar(target, ".json")
            staging.path(manifest_path).write_text(
                json.dumps(manifest, indent=2, default=_plain) + "\n", encoding="utf-8"
            )
    except OSError as error:
        raise PaintsUndoError(f"cannot write output {target}: {error.strerror or error}") from None
    return RunResult(target, manifest_path, sheet_path, manifest)


def _write_frames(
    process,
    temporary: Path,
    format: str,
    settings: Settings,
    provenance: str,
    keep_samples: bool,
    progress: Progress | None,
) -> list[tuple[int, str, np.ndarray]]:
    writer = open_writer(format, temporary, settings.fps, settings.hold, provenance)
    wanted = set(contact_frame_indices(len(process))) if keep_samples else set()
    samples = []
    try:
        for index in range(len(process)):
            frame = process.frame(index)
            writer.add(frame)
            if index in wanted:
                samples.append((index, process.timeline.stage_at(index), frame))
            if progress is not None:
                progress(index + 1, len(process))
    finally:
        writer.close()
    return samples


def _load(picture: PictureSource, settings: Settings) -> Picture:
    if isinstance(picture, (str, Path)):
        return load_picture(picture, settings.size)
    if isinstance(picture, Image.Image):
        return picture_from_array(np.asarray(picture.convert("RGBA")), settings.size)
    if isinstance(picture, np.ndarray):
        return picture_from_array(picture, settings.size)
    raise PaintsUndoError(f"expected a path, a PIL image or a NumPy array, got {type(picture).__name__}")


def _build_process(picture: Picture, settings: Settings) -> DrawingProcess:
    return DrawingProcess(
        picture.pixels,
        frames=settings.frames,
        seed=settings.seed,
        stage_weights=settings.stage_weights,
        behaviours=settings.behaviours,
    )


def _plain(value: Any) -> Any:
    """JSON for NumPy scalars and arrays that reach the manifest."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot write {type(value).__name__} to JSON")
