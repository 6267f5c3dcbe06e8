"""`paintsundo run`: one picture to one drawing-process video."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from paintsundo.api import VideoJob, prepare_video
from paintsundo.cli import app
from paintsundo.errors import PaintsUndoError
from paintsundo.manifest import read_manifest
from paintsundo.picture import file_sha256
from paintsundo.settings import ENGINES, FORMATS, Settings, parse_stage_weights, resolve_timing

console = Console(stderr=True, highlight=False, soft_wrap=True)


Opt = typer.Option


@app.command()
def run(
    image: Annotated[
        Path | None, typer.Argument(help="The finished picture (PNG, JPEG, WebP, ...).", show_default=False)
    ] = None,
    output: Annotated[
        str | None,
        Opt(
            "-o",
            "--output",
            help="Output file or folder (default: <image stem>.mp4 beside the image).",
            show_default=False,
        ),
    ] = None,
    engine: Annotated[str, Opt(help=f"Engine: {'|'.join(ENGINES)}.")] = "auto",
    frames: Annotated[
        int | None, Opt(help="Frames of drawing, not counting the hold (default: 105).", show_default=False)
    ] = None,
    fps: Annotated[float | None, Opt(help="Frames per second (default: 4).", show_default=False)] = None,
    duration: Annotated[
        float | None,
        Opt(help="Seconds of drawing; give at most two of --frames, --fps, --duration.", show_default=False),
    ] = None,
    seed: Annotated[int, Opt(help="Seed: the same seed gives the same video.")] = 12345,
    size: Annotated[
        str | None,
        Opt(
            help="WIDTHxHEIGHT (cropped to fill), or the long side alone (default: 640).", show_default=False
        ),
    ] = None,
    format: Annotated[
        str | None, Opt(help=f"One of {'|'.join(FORMATS)} (default: from the -o suffix).", show_default=False)
    ] = None,
    hold: Annotated[float, Opt(help="Seconds to hold the finished picture at the end.")] = 1.0,
    contact_sheet: Annotated[
        bool, Opt("--contact-sheet", help="Also write <output>.contact.png, a grid of frames.")
    ] = False,
    stages: Annotated[
        str | None,
        Opt(help="Stage proportions, e.g. sketch=1,lineart=2,flat=2,shading=2,detail=1.", show_default=False),
    ] = None,
    flip: Annotated[bool, Opt("--flip/--no-flip", help="Flip the canvas left-right for a moment.")] = True,
    layer_toggle: Annotated[
        bool, Opt("--layer-toggle/--no-layer-toggle", help="Hide the line layer for a moment.")
    ] = True,
    color_curve: Annotated[
        bool, Opt("--color-curve/--no-color-curve", help="Adjust colours with a curve.")
    ] = True,
    transform: Annotated[
        bool, Opt("--transform/--no-transform", help="Move a drawn part into place.")
    ] = True,
    change_of_idea: Annotated[
        bool, Opt("--change-of-idea/--no-change-of-idea", help="Paint a region, erase it, repaint it.")
    ] = True,
    from_manifest: Annotated[
        Path | None, Opt("--from-manifest", help="Repeat the run a manifest describes.", show_default=False)
    ] = None,
    quiet: Annotated[bool, Opt("--quiet", "-q", help="Print only errors.")] = False,
) -> None:
    """Turn IMAGE into a video of it being drawn: blank canvas, sketch, lines, colour, shading, finished."""
    if from_manifest is not None:
        image, settings, output, format = _from_manifest(from_manifest, image, output, format)
    else:
        if image is None:
            raise PaintsUndoError("give an IMAGE to draw, or --from-manifest FILE")
        chosen = {
            "flip": flip,
            "layer_toggle": layer_toggle,
            "color_curve": color_curve,
            "transform": transform,
            "change_of_idea": change_of_idea,
        }
        frame_count, frame_rate = resolve_timing(frames, fps, duration)
        settings = Settings(
            engine=engine,
            frames=frame_count,
            fps=frame_rate,
            seed=seed,
            size=size,
            hold=hold,
            stage_weights=parse_stage_weights(stages) if stages else Settings().stage_weights,
            behaviours=frozenset(name for name, enabled in chosen.items() if enabled),
        )
    _draw(prepare_video(image, output, settings, format=format), contact_sheet, quiet)


def _draw(job: VideoJob, contact_sheet: bool, quiet: bool) -> None:
    """Run a checked job under a progress bar and report what was written."""
    if not quiet:
        console.print(f"engine: {job.engine} ({job.engine_reason})")
    columns = (TextColumn("drawing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, disable=quiet, transient=True) as bar:
        task = bar.add_task("frames", total=job.settings.frames)
        try:
            result = job.write(
                with_contact_sheet=contact_sheet,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
        except KeyboardInterrupt:
            console.print("interrupted: nothing was written")
            raise typer.Exit(130) from None
    if quiet:
        return
    settings, seconds = job.settings, result.manifest["timings"]["total"]
    console.print(
        f"wrote {result.output} ({settings.frames} frames at {settings.fps:g} fps, {seconds:.1f} s)"
    )
    console.print(f"manifest: {result.manifest_path}")
    if result.contact_sheet:
        console.print(f"contact sheet: {result.contact_sheet}")


def _from_manifest(
    path: Path, image: Path | None, output: str | None, format: str | None
) -> tuple[Path, Settings, str, str]:
    """Input, settings, output and format of a recorded run; the input must be unchanged."""
    recorded = read_manifest(path)
    image = image or recorded.input_path
    if not image.exists():
        raise PaintsUndoError(f"the manifest's input is gone: {image} (pass the picture as IMAGE)")
    if file_sha256(image) != recorded.input_sha256:
        raise PaintsUndoError(f"{image} has changed since the manifest was written (its sha256 differs)")
    return image, recorded.settings, output or str(recorded.output), format or recorded.format
