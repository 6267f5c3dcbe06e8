"""`paintsundo colorize`: a line drawing and colour scribbles to a coloured picture, its layers and
a video of it being drawn."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from paintsundo.cli import app, options
from paintsundo.cli.help_format import one_of
from paintsundo.cli.options import Opt
from paintsundo.cli.parsing import resolve_timing
from paintsundo.cli.progress import progress_bars
from paintsundo.coloring.choices import (
    COLORIST_MEMORY_MODES,
    COLORIZE_ENGINES,
    COLORIZE_SHADINGS,
    CONTROL_NAMES,
    MAX_CANDIDATES,
)
from paintsundo.errors import PaintsUndoError
from paintsundo.undo.settings import Settings

console = Console(stderr=True, highlight=False, soft_wrap=True, markup=False, emoji=False)

Sketch = Annotated[Path, typer.Argument(help="The line drawing: dark lines on light paper (PNG, JPEG, ...).")]
Output = Annotated[
    str | None,
    Opt(
        "-o",
        "--output",
        help="The coloured PNG, or a folder (default: <sketch>_colored.png).",
        show_default=False,
    ),
]
Hints = Annotated[
    Path | None,
    Opt(
        help="Colour scribbles, the sketch's size: transparent pixels, or pixels equal to the sketch's,"
        " are no hint.",
        show_default=False,
    ),
]
Reference = Annotated[
    Path | None,
    Opt(
        help="A picture to take colours from: through the IP-Adapter with the neural colourist when"
        " its weights are there, else its palette colours the regions no hint reaches.",
        show_default=False,
    ),
]
Count = Annotated[
    int, Opt(help=f"Candidates from seeds SEED.. (1 to {MAX_CANDIDATES}), with a contact sheet.")
]
Engine = Annotated[
    str,
    Opt(
        metavar=one_of(COLORIZE_ENGINES),
        help=f"{'|'.join(COLORIZE_ENGINES)}: auto is neural with a base model (given or downloaded) and a"
        " GPU, else procedural.",
    ),
]
Shading = Annotated[
    str,
    Opt(
        metavar=one_of(COLORIZE_SHADINGS),
        help=f"{'|'.join(COLORIZE_SHADINGS)}: the procedural colourist's shadows and lights. auto: each seed"
        " draws its own (candidates lit from the left, above and the right, soft or cel); soft: shallow"
        " shadows with a soft edge; cel: deeper ones with a hard edge (the light's side from the seed).",
    ),
]
Layers = Annotated[
    bool, Opt("--layers", help="Also write <output stem>.ora: paper, flats, shadows, highlights, lines.")
]
Video = Annotated[
    str | None,  # str, not Path: a trailing slash (a folder) must survive
    Opt(
        help="Also write a video of the drawing being coloured (.mp4, .gif, .webp), or into a folder"
        " (ends in /, or is one) as <sketch>.mp4.",
        show_default=False,
    ),
]
Frames = Annotated[int | None, Opt(help="With --video: its frames (default: 105).", show_default=False)]
NEURAL_COLORIST_PANEL = "Neural colourist"  # the help's heading for its options
Base = Annotated[
    str | None,
    Opt(
        help="An SD1.5 anime model in diffusers layout: a folder or hub id (default: the downloaded one).",
        show_default=False,
        rich_help_panel=NEURAL_COLORIST_PANEL,
    ),
]
ControlNet = Annotated[
    str | None,
    Opt(
        help="The lineart ControlNet: a folder or hub id (default: the downloaded one, else"
        " lllyasviel/control_v11p_sd15s2_lineart_anime).",
        show_default=False,
        rich_help_panel=NEURAL_COLORIST_PANEL,
    ),
]
IpAdapter = Annotated[
    str | None,
    Opt(
        "--ip-adapter",
        help="An SD1.5 IP-Adapter in h94/IP-Adapter's layout, for --reference: a folder or hub id"
        " (default: the downloaded one).",
        show_default=False,
        rich_help_panel=NEURAL_COLORIST_PANEL,
    ),
]
Prompt = Annotated[
    str | None,
    Opt(
        help="What the picture shows (default: the tagger's tags for the sketch).",
        show_default=False,
        rich_help_panel=NEURAL_COLORIST_PANEL,
    ),
]
NegativePrompt = Annotated[
    str | None,
    Opt(
        help="What it must not show (default: the demo's).",
        show_default=False,
        rich_help_panel=NEURAL_COLORIST_PANEL,
    ),
]
Control = Annotated[
    str,
    Opt(
        metavar=one_of(CONTROL_NAMES),
        help="How closely it follows the lines: strict|balanced|loose.",
        rich_help_panel=NEURAL_COLORIST_PANEL,
    ),
]
Steps = Annotated[int, Opt(help="Sampling steps.", rich_help_panel=NEURAL_COLORIST_PANEL)]
Cfg = Annotated[float, Opt(help="Classifier-free guidance scale.", rich_help_panel=NEURAL_COLORIST_PANEL)]
KeepLines = Annotated[
    bool,
    Opt(
        "--keep-lines/--no-keep-lines",
        help="Lay the sketch's own lines over the result.",
        rich_help_panel=NEURAL_COLORIST_PANEL,
    ),
]
Memory = Annotated[
    str,
    Opt(
        metavar=one_of(COLORIST_MEMORY_MODES),
        help="fast: the models stay on the GPU; low: each layer comes in as it runs.",
        rich_help_panel=NEURAL_COLORIST_PANEL,
    ),
]
Compile = Annotated[
    bool,
    Opt(
        "--compile",
        help="Compile the UNet and ControlNet: faster after a compile.",
        rich_help_panel=NEURAL_COLORIST_PANEL,
    ),
]
Device = Annotated[
    str | None,
    Opt(
        help="cuda or cpu (default: cuda when there).",
        show_default=False,
        rich_help_panel=NEURAL_COLORIST_PANEL,
    ),
]
Fps = Annotated[
    float | None, Opt(help="With --video: its frames per second (default: 4).", show_default=False)
]
# The options only the neural colourist reads, and those only a video reads.
NEURAL_ONLY = (
    "base", "controlnet", "ip_adapter", "prompt", "negative_prompt", "control", "steps", "cfg", "keep_lines",
    "device", "models", "memory", "compile",
)  # fmt: skip
VIDEO_ONLY = ("frames", "fps")
PROCEDURAL_ONLY = ("shading",)


@app.command()
def colorize(
    context: typer.Context,
    sketch: Sketch,
    output: Output = None,
    hints: Hints = None,
    reference: Reference = None,
    seed: Annotated[int, Opt(help="Seed: the same seed gives the same colours.")] = 12345,
    count: Count = 1,
    engine: Engine = "auto",
    shading: Shading = "auto",
    layers: Layers = False,
    video: Video = None,
    frames: Frames = None,
    fps: Fps = None,
    quiet: Annotated[bool, Opt("--quiet", "-q", help="Print only errors.")] = False,
    base: Base = None,
    controlnet: ControlNet = None,
    ip_adapter: IpAdapter = None,
    prompt: Prompt = None,
    negative_prompt: NegativePrompt = None,
    control: Control = "balanced",
    steps: Steps = 20,
    cfg: Cfg = 9.0,
    keep_lines: KeepLines = True,
    device: Device = None,
    models: options.Models = None,
    memory: Memory = "fast",
    compile: Compile = False,
) -> None:
    """Colour SKETCH from colour scribbles (--hints): the lines stay as drawn, each region takes its
    scribble's colour, then cel shadows and highlights."""
    # The colouring code (scikit-image, OpenCV) loads only to colour, not for every command's start.
    from paintsundo.coloring.api import make_colorized
    from paintsundo.coloring.neural import NeuralColorize

    neural_flags = _given_flags(context, NEURAL_ONLY)
    procedural_flags = _given_flags(context, PROCEDURAL_ONLY)
    _refuse_unused(
        neural_flags, procedural_flags, engine, _given_flags(context, VIDEO_ONLY) if video is None else []
    )
    frame_count, frame_rate = resolve_timing(frames, fps, None)
    settings = Settings(frames=frame_count, fps=frame_rate, seed=seed)
    neural = NeuralColorize(
        base=base,
        controlnet=controlnet,
        ip_adapter=ip_adapter,
        prompt=prompt,
        negative_prompt=negative_prompt,
        control=control,
        steps=steps,
        cfg=cfg,
        keep_lines=keep_lines,
        device=device,
        models=models,
        memory=memory,
        compile=compile,
    )
    with progress_bars(console, quiet) as report:
        try:
            result = make_colorized(
                sketch,
                output,
                hints=hints,
                reference=reference,
                seed=seed,
                count=count,
                engine=engine,
                shading=shading,
                layers=layers,
                video=video,
                video_settings=settings,
                neural=neural,
                progress=report,
            )
        except KeyboardInterrupt:
            console.print("interrupted: nothing was written")
            raise typer.Exit(130) from None
    if quiet:
        return
    unused = neural_flags if result.manifest["engine"] == "procedural" else procedural_flags
    if unused:
        console.print(
            f"note: {', '.join(unused)} not used: the {result.manifest['engine']} colourist ran"
            f" ({result.manifest['engine_reason']})"
        )
    console.print(f"wrote {result.output} ({result.manifest['engine']} colourist)")
    for path in (*result.candidates[1:], result.contact_sheet, result.layers):
        if path is not None:
            console.print(f"wrote {path}")
    if result.video is not None:
        console.print(f"wrote {result.video.output}")


def _given_flags(context: typer.Context, names: tuple[str, ...]) -> list[str]:
    """The flags of these options given on the command line (or by environment), as spelt there."""
    flags = []
    for param in context.command.params:
        source = context.get_parameter_source(param.name)
        if param.name in names and source is not None and source.name in ("COMMANDLINE", "ENVIRONMENT"):
            negated = param.secondary_opts and context.params[param.name] is False
            flags.append(max(param.secondary_opts if negated else param.opts, key=len))
    return flags


def _refuse_unused(
    neural_flags: list[str], procedural_flags: list[str], engine: str, video_flags: list[str]
) -> None:
    """Refuse options that would be ignored: the neural colourist's when the procedural one is asked
    for, the procedural one's when the neural one is, and the video's without a video."""
    if engine == "procedural" and neural_flags:
        raise PaintsUndoError(
            f"{neural_flags[0]} is for the neural colourist, and --engine procedural does not run it:"
            f" leave {neural_flags[0]} out, or use --engine neural (or auto)"
        )
    if engine == "neural" and procedural_flags:
        raise PaintsUndoError(
            f"{procedural_flags[0]} is for the procedural colourist (the neural one lights its pictures"
            f" itself), and --engine neural does not run it: leave {procedural_flags[0]} out, or use"
            " --engine procedural (or auto)"
        )
    if video_flags:
        raise PaintsUndoError(
            f"{video_flags[0]} sets the video, and none is asked for: add --video PATH, or leave"
            f" {video_flags[0]} out"
        )
