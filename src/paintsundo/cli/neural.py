"""`paintsundo keyframes` and `paintsundo interpolate`: the neural engine's stages on their own."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from paintsundo.cli import app, options
from paintsundo.cli.help_format import one_of
from paintsundo.cli.progress import progress_bars
from paintsundo.cli.run import console, report_result
from paintsundo.outputs import FORMATS
from paintsundo.undo.pipeline.settings import KeyframeSettings, VideoSettings
from paintsundo.undo.settings import Settings

Arg = typer.Argument


@app.command()
def tag(image: Annotated[Path, Arg(help="The finished picture.")], models: options.Models = None) -> None:
    """Stage 1 alone: print the WD14 tagger's prompt (edit it and pass it back with --prompt)."""
    from paintsundo.undo.neural import picture_prompt

    typer.echo(picture_prompt(image, models=models))


@app.command()
def keyframes(
    context: typer.Context,
    image: Annotated[Path, Arg(help="The finished picture.")],
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Folder for the keyframes.")] = None,
    models: options.Models = None,
    device: options.Device = None,
    memory: options.Memory = "auto",
    preset: options.Preset = "reference",
    compile: options.Compile = False,
    prompt: options.Prompt = None,
    keyframe: options.KeyframeFiles = None,
    operation_steps: options.OperationSteps = None,
    keyframe_size: options.KeyframeSize = None,
    keyframe_steps: options.KeyframeSteps = None,
    keyframe_cfg: options.KeyframeCfg = KeyframeSettings.cfg,
    seed: options.Seed = None,
    keyframe_seed: options.KeyframeSeed = None,
    quiet: options.Quiet = False,
) -> None:
    """Stage 2 alone: the tagger's prompt and the keyframes, as PNGs plus keyframes.json."""
    from paintsundo.undo.neural import make_keyframes

    settings = options.NeuralOptions.from_params(context.params).apply(Settings(engine="neural", seed=seed))
    folder = output or image.with_name(f"{image.stem}_keyframes")
    with progress_bars(console, quiet) as report:
        result = make_keyframes(
            image,
            folder,
            settings,
            models=models,
            user_keyframes=options.parse_keyframes(keyframe),
            progress=report,
        )
    if not quiet:
        console.print(f"prompt: {result.prompt}")
        console.print(f"wrote {len(result.files)} keyframes to {result.folder}")


@app.command()
def interpolate(
    context: typer.Context,
    earlier: Annotated[Path, Arg(help="The less finished picture (where the video starts).")],
    later: Annotated[Path, Arg(help="The more finished picture (where it ends).")],
    output: Annotated[str | None, typer.Option("-o", "--output", help="Output video or folder.")] = None,
    format: Annotated[
        str | None, typer.Option(metavar=one_of(FORMATS), help="mp4, gif, webp or frames.")
    ] = None,
    fps: Annotated[float, typer.Option(help="Frames per second.")] = 4.0,
    hold: Annotated[float, typer.Option(help="Seconds to hold the last frame.")] = 1.0,
    contact_sheet: Annotated[
        bool, typer.Option("--contact-sheet", help="Also write <output>.contact.png, a grid of frames.")
    ] = False,
    models: options.Models = None,
    device: options.Device = None,
    memory: options.Memory = "auto",
    preset: options.Preset = "reference",
    compile: options.Compile = False,
    video_prompt: options.VideoPrompt = VideoSettings.prompt,
    video_steps: options.VideoSteps = None,
    video_cfg: options.VideoCfg = VideoSettings.cfg,
    seed: options.Seed = None,
    video_seed: options.VideoSeed = None,
    buckets: options.Buckets = None,
    segment_batch: options.SegmentBatch = None,
    quiet: options.Quiet = False,
) -> None:
    """Stage 3 alone: a video from EARLIER to LATER, one segment of the multi-frame model."""
    from paintsundo.undo.neural import interpolate_pictures

    neural = options.NeuralOptions.from_params(context.params)
    settings = neural.apply(Settings(engine="neural", fps=fps, hold=hold, seed=seed))
    with progress_bars(console, quiet) as report:
        result = interpolate_pictures(
            earlier,
            later,
            output,
            settings,
            models=models,
            format=format,
            with_contact_sheet=contact_sheet,
            progress=report,
        )
    if not quiet:
        report_result(result, settings.fps)
