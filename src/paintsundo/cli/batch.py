"""`paintsundo batch`: many pictures to videos, resumable, with one manifest line per picture."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.text import Text

from paintsundo.cli import app, options
from paintsundo.cli.help_format import one_of
from paintsundo.cli.options import Opt
from paintsundo.cli.parsing import resolve_timing
from paintsundo.cli.run import say_if_unprepared
from paintsundo.coloring.choices import COLORIZE_SHADINGS, CONTROL_NAMES, MAX_CANDIDATES, colorist_memory_mode
from paintsundo.errors import PaintsUndoError
from paintsundo.outputs import FORMATS
from paintsundo.undo.settings import Settings

if TYPE_CHECKING:
    from paintsundo.batch import BatchSummary, ColorizeJob

console = Console(stderr=True, highlight=False, soft_wrap=True, markup=False, emoji=False)


Inputs = Annotated[str, typer.Argument(help="A folder, a glob like 'art/*.png', or a .txt list of paths.")]
OutDir = Annotated[Path, Opt("-o", "--output", help="Folder for the videos and batch.jsonl.")]
Format = Annotated[str, Opt(metavar=one_of(FORMATS), help=f"One of {'|'.join(FORMATS)}.")]
Frames = Annotated[int | None, Opt(help="Frames of drawing (default: 105).", show_default=False)]
Seed = Annotated[int, Opt(help="Base seed; each picture's comes from it and the picture's hash.")]
Size = Annotated[str | None, Opt(help="WIDTHxHEIGHT or the long side.", show_default=False)]
Workers = Annotated[
    int | None,
    Opt(help="Worker processes (default: one per GPU for the neural engine, else 1).", show_default=False),
]
Gpus = Annotated[
    str | None, Opt(help="GPUs for neural workers, e.g. 0,1 (default: all).", show_default=False)
]
UseRay = Annotated[bool, Opt("--ray", help="Run on a Ray cluster: one actor per GPU (neural) or per CPU.")]
RayAddress = Annotated[
    str | None,
    Opt(help="The Ray cluster to join: auto, or ray://HEAD:10001 (implies --ray).", show_default=False),
]
RetryFailed = Annotated[bool, Opt("--retry-failed", help="Run the pictures that failed before again.")]
COLORING_PANEL = "Colouring"  # the help's heading for the options of --colorize
Colorize = Annotated[
    bool,
    Opt(
        "--colorize",
        help="INPUTS are line drawings to colour, each with its scribbles beside it as NAME.hints.png:"
        " writes NAME.png (see `paintsundo colorize`).",
        rich_help_panel=COLORING_PANEL,
    ),
]
Count = Annotated[int, Opt(help="With --colorize: candidates per sketch.", rich_help_panel=COLORING_PANEL)]
Shading = Annotated[
    str,
    Opt(
        metavar=one_of(COLORIZE_SHADINGS),
        help="With --colorize: the procedural colourist's shadows and lights (see `paintsundo colorize`).",
        rich_help_panel=COLORING_PANEL,
    ),
]
Layers = Annotated[
    bool, Opt("--layers", help="With --colorize: also NAME.ora.", rich_help_panel=COLORING_PANEL)
]
Video = Annotated[
    bool, Opt("--video", help="With --colorize: also a video in --format.", rich_help_panel=COLORING_PANEL)
]
Reference = Annotated[
    Path | None,
    Opt(
        help="With --colorize: a palette picture for every sketch.",
        show_default=False,
        rich_help_panel=COLORING_PANEL,
    ),
]
Base = Annotated[
    str | None,
    Opt(
        help="With --colorize: the neural colourist's SD1.5 base.",
        show_default=False,
        rich_help_panel=COLORING_PANEL,
    ),
]
ControlNet = Annotated[
    str | None,
    Opt(help="With --colorize: its ControlNet.", show_default=False, rich_help_panel=COLORING_PANEL),
]
IpAdapter = Annotated[
    str | None,
    Opt(
        "--ip-adapter",
        help="With --colorize: its IP-Adapter, for --reference.",
        show_default=False,
        rich_help_panel=COLORING_PANEL,
    ),
]
Prompt = Annotated[
    str | None, Opt(help="With --colorize: its prompt.", show_default=False, rich_help_panel=COLORING_PANEL)
]
Control = Annotated[
    str,
    Opt(
        metavar=one_of(CONTROL_NAMES),
        help="With --colorize: strict|balanced|loose.",
        rich_help_panel=COLORING_PANEL,
    ),
]
Steps = Annotated[
    int, Opt(help="With --colorize: the neural colourist's sampling steps.", rich_help_panel=COLORING_PANEL)
]
Quiet = Annotated[bool, Opt("--quiet", "-q", help="Print only errors and the summary.")]


@app.command()
def batch(
    inputs: Inputs,
    out_dir: OutDir,
    engine: options.Engine = "auto",
    workflow: options.Workflow = "auto",
    format: Format = "mp4",
    frames: Frames = None,
    fps: options.Fps = None,
    seed: Seed = 12345,
    size: Size = None,
    workers: Workers = None,
    gpus: Gpus = None,
    use_ray: UseRay = False,
    ray_address: RayAddress = None,
    retry_failed: RetryFailed = False,
    quiet: Quiet = False,
    models: options.Models = None,
    device: options.Device = None,
    memory: options.Memory = "auto",
    compile: options.Compile = False,
    colorize: Colorize = False,
    count: Count = 1,
    shading: Shading = "auto",
    layers: Layers = False,
    video: Video = False,
    reference: Reference = None,
    base: Base = None,
    controlnet: ControlNet = None,
    ip_adapter: IpAdapter = None,
    prompt: Prompt = None,
    control: Control = "balanced",
    steps: Steps = 20,
) -> None:
    """Draw every picture of INPUTS into the --output folder (or colour every sketch, with --colorize); run it
    again to skip what is finished."""
    from paintsundo.batch import expand_inputs

    if format not in FORMATS:
        raise PaintsUndoError(f"unknown format {format!r}: choose one of {', '.join(FORMATS)}")
    frame_count, frame_rate = resolve_timing(frames, fps, None)
    settings = Settings(
        engine=engine,
        workflow=workflow,
        frames=frame_count,
        fps=frame_rate,
        seed=seed,
        size=size,
        device=device,
        memory=memory,
        compile=compile,
    )
    if workers is not None and workers < 1:
        raise PaintsUndoError(f"--workers must be at least 1, got {workers}")
    where = _where(engine, workers, gpus, use_ray, ray_address)
    if engine == "neural" and not colorize and where["gpus"] and not quiet:
        say_if_unprepared(settings, f"cuda:{where['gpus'][0]}")
    pictures = expand_inputs(inputs)  # a bad INPUTS fails here, before any progress is drawn
    run_options = {"format": format, **where, "retry_failed": retry_failed, "models": models and str(models)}
    if not colorize:
        asked = {"count": count != 1, "shading": shading != "auto", "layers": layers, "video": video}
        asked |= {"reference": reference, "base": base, "controlnet": controlnet, "ip_adapter": ip_adapter}
        asked |= {"prompt": prompt, "control": control != "balanced", "steps": steps != 20}
        _refuse_without_colorize(asked)
    else:
        neural = _neural_options(
            {"base": base, "controlnet": controlnet, "ip_adapter": ip_adapter, "prompt": prompt},
            control, steps, settings, models,
        )  # fmt: skip
        run_options["colorize"] = _colorize_job(
            format, count, layers, video, reference, engine, neural, shading
        )
    summary = _run_with_progress(pictures, out_dir, settings, quiet, run_options)
    console.print(
        f"{summary.done} done, {summary.failed} failed, {summary.skipped} already finished"
        f" in {summary.seconds:.1f} s; manifest: {summary.manifest}"
    )
    if summary.failed:
        raise typer.Exit(1)


def _neural_options(
    given: dict[str, str | None], control: str, steps: int, settings: Settings, models: Path | None
) -> dict:
    """The neural colourist's options as the workers take them, checked here: its models and prompt
    as given; the memory mode the colourist's for the one asked for."""
    from paintsundo.coloring.neural import NeuralColorize

    options = NeuralColorize(
        **given, control=control, steps=steps, device=settings.device, models=models and str(models),
        memory=colorist_memory_mode(settings.memory), compile=settings.compile,
    )  # fmt: skip
    return {name: str(value) if isinstance(value, Path) else value for name, value in vars(options).items()}


def _colorize_job(
    format: str,
    count: int,
    layers: bool,
    video: bool,
    reference: Path | None,
    engine: str,
    neural: dict,
    shading: str,
) -> ColorizeJob:
    from paintsundo.batch import ColorizeJob

    if not 1 <= count <= MAX_CANDIDATES:
        raise PaintsUndoError(f"--count must be between 1 and {MAX_CANDIDATES}, got {count}")
    if video and format == "frames":
        raise PaintsUndoError("a colouring batch's videos are mp4, gif or webp: choose one with --format")
    if reference is not None and not reference.is_file():
        raise PaintsUndoError(f"reference not found: {reference}")
    palette = reference and str(reference.resolve())
    return ColorizeJob(
        count, layers, format if video else None, palette, engine, neural, _shading(shading, engine)
    )


def _refuse_without_colorize(given: dict[str, object]) -> None:
    """Colouring options given to a batch that draws: refused, never ignored."""
    named = [f"--{name.replace('_', '-')}" for name, value in given.items() if value]
    if named:
        raise PaintsUndoError(f"{', '.join(named)} colour sketches: add --colorize, or leave them out")


def _shading(shading: str, engine: str) -> str:
    """The procedural colourist's shading, checked: the neural colourist has none to choose."""
    if shading not in COLORIZE_SHADINGS:
        raise PaintsUndoError(f"unknown shading {shading!r}: choose one of {', '.join(COLORIZE_SHADINGS)}")
    if engine == "neural" and shading != "auto":
        raise PaintsUndoError("--shading is the procedural colourist's: leave it out with --engine neural")
    return shading


def _where(
    engine: str, workers: int | None, gpus: str | None, use_ray: bool, ray_address: str | None
) -> dict:
    """Where the pictures are drawn: worker processes on these GPUs, or Ray."""
    from paintsundo.batch import RayOptions
    from paintsundo.batch.ray_workers import check_reachable

    if use_ray or ray_address:
        if ray_address:
            check_reachable(ray_address)
        return {"workers": workers, "gpus": None, "ray": RayOptions(ray_address)}
    devices = gpus.split(",") if gpus else (_all_gpus() if engine == "neural" else [])
    return {
        "workers": max(1, len(devices)) if workers is None else workers,
        "gpus": devices or None,
        "ray": None,
    }


def _run_with_progress(
    pictures: list[Path], out_dir: Path, settings: Settings, quiet: bool, run_options: dict
) -> BatchSummary:
    """The batch under a Rich bar with its rate; Ctrl-C ends it with one line on what finished.
    The bar starts with the first picture: a batch that fails before one starts shows only its error."""
    from paintsundo.batch import BatchInterrupted, run_batch

    columns = (
        TextColumn("pictures", markup=False),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}", markup=False),
        TimeRemainingColumn(),
    )
    bars = Progress(*columns, console=console, disable=quiet)
    task = bars.add_task("batch", total=None, rate="")
    started = []

    def report(finished: int, total: int, record: dict | None) -> None:
        if record is None:
            started.append(time.perf_counter())
            bars.start()
        elif record["status"] == "failed":
            bars.console.print(Text.assemble(("failed:", "red"), f" {record['input']}: {record['error']}"))
        elapsed = time.perf_counter() - started[0]
        rate = f"{finished / elapsed * 60:.1f}/min" if finished and elapsed > 0 else ""
        bars.update(task, completed=finished, total=total, rate=rate)

    try:
        return run_batch(pictures, out_dir, settings, progress=report, **run_options)
    except BatchInterrupted as stop:
        done = stop.summary
    finally:
        if started:
            bars.stop()
    console.print(
        f"interrupted: {done.done} done and {done.failed} failed, {done.skipped} finished before"
        f" this run (recorded in {done.manifest}); run the same command again to do the rest"
    )
    raise typer.Exit(130)


def _all_gpus() -> list[str]:
    try:
        import torch
    except ImportError:
        return []
    return [str(index) for index in range(torch.cuda.device_count())]
