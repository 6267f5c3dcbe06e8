"""The Python API of the forward direction: colour a line drawing from colour scribbles, as a picture,
candidates, layers (OpenRaster) and a video of it being drawn."""

from __future__ import annotations

import dataclasses
import json
import platform
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from paintsundo._version import __version__
from paintsundo.coloring.choices import COLORIZE_ENGINES, MAX_CANDIDATES
from paintsundo.coloring.neural import NeuralColorize, choose_colorist, neural_candidates
from paintsundo.coloring.procedural import ColorLayers, Lighting, check_shading, colorize_layers
from paintsundo.errors import PaintsUndoError
from paintsundo.outputs import check_not_inputs, check_writable, resolve_output, sidecar, written_paths
from paintsundo.outputs.atomic import Staging
from paintsundo.outputs.contact_sheet import picture_sheet
from paintsundo.outputs.openraster import RasterLayer, write_openraster
from paintsundo.outputs.provenance import coloring_provenance_text
from paintsundo.outputs.writers import png_provenance
from paintsundo.picture import Picture, PictureSource, load_source
from paintsundo.timeline import Progress
from paintsundo.undo.api import RunResult, prepare_video
from paintsundo.undo.procedural import DrawingProcess
from paintsundo.undo.procedural.known import coloring_layers
from paintsundo.undo.settings import Settings


@dataclass(frozen=True)
class ColorizeResult:
    output: Path
    candidates: tuple[Path, ...]  # every candidate, the output first
    manifest_path: Path
    contact_sheet: Path | None
    layers: Path | None
    video: RunResult | None
    manifest: dict[str, Any]


def colorize(
    sketch: PictureSource,
    hints: PictureSource | None = None,
    reference: PictureSource | None = None,
    *,
    seed: int = 12345,
    engine: str = "auto",
    shading: str | Lighting = "auto",
    neural: NeuralColorize | None = None,
) -> ColorLayers:
    """Colour a line drawing (path, PIL image or array) from a hints picture of its size, with a
    reference's palette for the regions no hint reaches: the layers, whose `composite()` is the
    picture (RGB uint8, the sketch's size). `shading` lights it: "auto" (drawn from the seed), a
    preset ("soft", "cel": the light's angle from the seed) or a `Lighting`. `neural` holds the
    neural colourist's models and settings."""
    neural = neural or NeuralColorize()
    chosen, _ = _choose_engine(engine, neural)
    _check_something_to_color(chosen, hints, reference)
    check_shading(shading)  # before any work
    inputs = _load_inputs(sketch, hints, reference)
    return _candidates(chosen, inputs, seed, 1, neural, shading)[0][0]


def make_colorized(
    sketch: PictureSource,
    output: str | Path | None = None,
    *,
    hints: PictureSource | None = None,
    reference: PictureSource | None = None,
    seed: int = 12345,
    count: int = 1,
    engine: str = "auto",
    shading: str | Lighting = "auto",
    layers: bool = False,
    video: str | Path | None = None,
    video_settings: Settings | None = None,
    neural: NeuralColorize | None = None,
    progress: Progress | None = None,
) -> ColorizeResult:
    """Colour a line drawing and write the picture (PNG) with its manifest; with `count` > 1 also
    the other candidates (seeds seed+1 ...) and a contact sheet of all, labelled with their lighting;
    with `layers` an OpenRaster file of the first; with `video` (a file, or a folder to hold
    <sketch>.mp4) a video of it being drawn (`video_settings`: frames, fps, ...). The procedural
    colourist needs hints or a reference; `shading` lights its pictures (see `colorize`): with
    "auto", candidates from consecutive seeds are lit from the left, from above and from the right."""
    started = time.perf_counter()
    neural = neural or NeuralColorize()
    chosen, reason = _choose_engine(engine, neural)
    if not 1 <= count <= MAX_CANDIDATES:
        raise PaintsUndoError(f"count must be between 1 and {MAX_CANDIDATES}, got {count}", "count")
    _check_something_to_color(chosen, hints, reference)
    check_shading(shading)  # before any work
    inputs = _load_inputs(sketch, hints, reference)
    target = _output_path(sketch, output)
    paths = _written(target, count, seed, layers)
    film = None if video is None else _video_path(sketch, video)
    check_not_inputs([*paths.values(), *(written_paths(film) if film else [])], [sketch, hints, reference])
    check_writable(target)
    report = progress or (lambda stage, done, total: None)
    report("colouring", 0, count)
    candidates, details = _candidates(chosen, inputs, seed, count, neural, shading)
    report("colouring", count, count)
    colored = time.perf_counter()
    filmed = _film(candidates[0], film, video_settings, seed, progress) if film else None
    manifest = _manifest(inputs, (sketch, hints, reference), candidates, paths, seed, filmed)
    manifest.update(engine=chosen, engine_reason=reason, timings={"colour": round(colored - started, 4)})
    if chosen == "procedural":  # what was asked; each candidate's entry says how it came out
        manifest["shading"] = shading if isinstance(shading, str) else "given"
    manifest["provenance"] = coloring_provenance_text(chosen)
    if details:
        manifest["neural"] = details
    _write(candidates, paths, manifest, started)
    candidate_paths = tuple(paths[f"candidate{index}"] for index in range(count))
    return ColorizeResult(
        target, candidate_paths, paths["manifest"], paths.get("sheet"), paths.get("layers"), filmed, manifest
    )


def _choose_engine(engine: str, neural: NeuralColorize) -> tuple[str, str]:
    """Which colourist runs, and why."""
    if engine not in COLORIZE_ENGINES:
        raise PaintsUndoError(f"unknown engine {engine!r}: choose {', '.join(COLORIZE_ENGINES)}", "engine")
    return choose_colorist(engine, neural)


def _check_something_to_color(
    engine: str, hints: PictureSource | None, reference: PictureSource | None
) -> None:
    """The procedural colourist takes every colour from the hints or the reference: with neither,
    the picture would be the sketch unchanged (the neural colourist needs neither)."""
    if engine == "procedural" and hints is None and reference is None:
        raise PaintsUndoError(
            "nothing to colour the sketch from: give hints (colour scribbles over it) or a reference"
            " picture, or colour it with the neural colourist, which needs neither",
            "hints",
        )


def _candidates(
    engine: str, inputs: tuple[Picture, Picture | None, Picture | None], seed: int, count: int,
    neural: NeuralColorize, shading: str | Lighting,
) -> tuple[list[ColorLayers], dict]:  # fmt: skip
    """The candidates from seeds seed.., and what the neural colourist records of its run (it
    lights its pictures itself: `shading` is the procedural colourist's)."""
    pixels = [picture.pixels if picture else None for picture in inputs]
    if engine == "neural":
        return neural_candidates(*pixels, seed, count, neural)
    return [colorize_layers(*pixels, seed=seed + index, shading=shading) for index in range(count)], {}


def _load_inputs(
    sketch: PictureSource, hints: PictureSource | None, reference: PictureSource | None
) -> tuple[Picture, Picture | None, Picture | None]:
    if sketch is None:
        raise PaintsUndoError("hints need a sketch to colour: give the line drawing too", "sketch")
    drawing = load_source(sketch, "source")
    scribbles = None if hints is None else load_source(hints, "source", transparency=True)
    palette = None if reference is None else load_source(reference, None)
    return drawing, scribbles, palette


def _named_after(sketch: PictureSource) -> tuple[str, Path]:
    """The name outputs take after the sketch, and the folder they go to by default."""
    if isinstance(sketch, (str, Path)):
        return Path(sketch).stem, Path(sketch).parent
    return "sketch", Path.cwd()


def _output_path(sketch: PictureSource, output: str | Path | None) -> Path:
    """OUT.png as given, or <sketch>_colored.png beside the sketch (or in the folder given)."""
    stem, folder = _named_after(sketch)
    text = None if output is None else str(output)
    if text is None or text.endswith(("/", "\\")) or Path(text).is_dir():
        return (folder if text is None else Path(text)) / f"{stem}_colored.png"
    path = Path(text)
    if path.suffix.lower() != ".png":
        raise PaintsUndoError(f"the coloured picture is written as PNG: name it {path.stem}.png", "output")
    return path


def _video_path(sketch: PictureSource, video: str | Path) -> Path:
    """The video as named, or <sketch>.mp4 in a folder (a path ending in a slash, or one that is a
    folder), by the rule `run` follows."""
    stem, folder = _named_after(sketch)
    try:
        return resolve_output(stem, folder, video, None)[0]
    except PaintsUndoError as error:
        raise PaintsUndoError(str(error), "video") from None


def _written(target: Path, count: int, seed: int, layers: bool) -> dict[str, Path]:
    """Every path the run writes, by role."""
    paths = {"candidate0": target, "manifest": sidecar(target, ".json")}
    for index in range(1, count):
        paths[f"candidate{index}"] = target.with_name(f"{target.stem}.seed{seed + index}.png")
    if count > 1:
        paths["sheet"] = sidecar(target, ".contact.png")
    if layers:
        paths["layers"] = target.with_suffix(".ora")
    return paths


def coloring_process(layers: ColorLayers, settings: Settings | None = None) -> DrawingProcess:
    """The drawing being coloured, frame by frame: a blank canvas, the sketch's own lines in a
    drawing order (the line stage ends on the sketch's lines, on white paper exactly), the flats,
    the shadows, then the highlights; the last frame is the coloured picture. `settings` gives the
    frames, seed, stage lengths and habits."""
    settings = settings or Settings()
    picture = layers.composite()
    known = coloring_layers(
        picture,
        layers.lines.opacity,
        layers.lines.color,
        layers.regions,
        layers.flats_on_paper(),
        layers.flats_opacity > 0,
        layers.colors(highlights=False),
        layers.highlights_opacity > 0,
    )
    stage_weights = dict(settings.stage_weights)
    seed = settings.procedural_seed
    return DrawingProcess(
        picture, settings.frames, seed, "colouring", stage_weights, settings.behaviours, layers=known
    )


def _film(
    layers: ColorLayers, video: Path, settings: Settings | None, seed: int, progress: Progress | None
) -> RunResult:
    """The forward drawing process of a coloured sketch, written as a video with its manifest."""
    height, width = layers.flats.shape[:2]
    settings = dataclasses.replace(
        settings or Settings(), engine="procedural", workflow="auto", size=f"{width}x{height}", seed=seed
    )
    job = prepare_video(layers.composite(), video, settings)
    return job.write(with_contact_sheet=True, progress=progress, process=coloring_process(layers, settings))


def _write(
    candidates: list[ColorLayers], paths: dict[str, Path], manifest: dict[str, Any], started: float
) -> None:
    """Every file, staged beside its final path and renamed into place together."""
    info = png_provenance(manifest["provenance"])
    pictures = [candidate.composite() for candidate in candidates]
    try:
        with Staging() as staging:
            for index, picture in enumerate(pictures):
                Image.fromarray(picture).save(
                    staging.path(paths[f"candidate{index}"]), format="PNG", pnginfo=info
                )
            if "sheet" in paths:
                entries = zip(manifest["candidates"], candidates, pictures, strict=True)
                labelled = [
                    (_sheet_label(entry["seed"], made.lighting), shown) for entry, made, shown in entries
                ]
                sheet = picture_sheet(
                    labelled, f"paintsundo · {paths['candidate0'].name} · machine-coloured candidates"
                )
                sheet.save(staging.path(paths["sheet"]), format="PNG", pnginfo=info)
            if "layers" in paths:
                write_openraster(
                    staging.path(paths["layers"]), raster_layers(candidates[0]), pictures[0], info
                )
            manifest["timings"]["total"] = round(time.perf_counter() - started, 4)
            staging.path(paths["manifest"]).write_text(
                json.dumps(manifest, indent=2) + "\n", encoding="utf-8"
            )
    except OSError as error:
        raise PaintsUndoError(
            f"cannot write output {paths['candidate0']}: {error.strerror or error}"
        ) from None


def _sheet_label(seed: int, lighting: Lighting | None) -> str:
    """A candidate's label on the contact sheet: its seed, and its lighting where it has one."""
    return f"seed {seed}" if lighting is None else f"seed {seed} · {lighting.describe()}"


def raster_layers(layers: ColorLayers) -> list[RasterLayer]:
    """The layers an illustrator would find in the file, bottom first: paper, flats, shadows,
    highlights, lines."""

    def rgba(color: np.ndarray, opacity: np.ndarray) -> np.ndarray:
        alpha = np.rint(np.broadcast_to(opacity, color.shape[:2]) * 255.0)
        return np.dstack([np.clip(np.rint(color), 0, 255), alpha]).astype(np.uint8)

    paper = np.ones(layers.flats.shape[:2], np.float32)
    return [
        RasterLayer("paper", rgba(np.array(layers.paper), paper)),
        RasterLayer("flats", rgba(layers.flats, layers.flats_opacity)),
        RasterLayer("shadows", rgba(layers.shadows, layers.shadows_opacity)),
        RasterLayer("highlights", rgba(layers.highlights, layers.highlights_opacity)),
        RasterLayer("lines", rgba(layers.lines.color, layers.lines.opacity)),
    ]


def _manifest(
    inputs: tuple[Picture, Picture | None, Picture | None],
    sources: tuple[PictureSource | None, ...],
    candidates: list[ColorLayers],
    paths: dict[str, Path],
    seed: int,
    filmed: RunResult | None,
) -> dict[str, Any]:
    def described(picture: Picture | None, source: PictureSource | None) -> dict[str, Any] | None:
        if picture is None:
            return None
        path = str(Path(source).resolve()) if isinstance(source, (str, Path)) else None
        return {"path": path, "sha256": picture.sha256, "size": list(picture.source_size)}

    names = ("sketch", "hints", "reference")
    height, width = inputs[0].pixels.shape[:2]
    return {
        "tool": "paintsundo",
        "version": __version__,
        "kind": "colorize",
        "seed": seed,
        "inputs": {
            name: described(picture, source)
            for name, picture, source in zip(names, inputs, sources, strict=True)
        },
        "output": {"path": str(paths["candidate0"].resolve()), "size": [width, height]},
        "candidates": [
            {
                "seed": seed + index,
                "path": str(paths[f"candidate{index}"].resolve()),
                "lighting": candidate.lighting
                and {**candidate.lighting.as_record(), "description": candidate.lighting.describe()},
            }
            for index, candidate in enumerate(candidates)
        ],
        "contact_sheet": str(paths["sheet"].resolve()) if "sheet" in paths else None,
        "layers": str(paths["layers"].resolve()) if "layers" in paths else None,
        "video": str(filmed.output.resolve()) if filmed else None,
        "platform": {"python": platform.python_version(), "machine": platform.machine()},
    }
