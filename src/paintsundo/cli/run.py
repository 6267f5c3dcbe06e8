"""`paintsundo run`: one picture to one drawing-process video."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.text import Text
from typer.core import TyperArgument, TyperOption

from paintsundo.cli import app, options
from paintsundo.cli.parsing import parse_stage_weights, resolve_timing
from paintsundo.cli.progress import progress_bars
from paintsundo.errors import PaintsUndoError
from paintsundo.outputs import SUFFIXES
from paintsundo.picture import file_sha256
from paintsundo.undo.api import RunResult, VideoJob, prepare_video
from paintsundo.undo.manifest import read_manifest
from paintsundo.undo.pipeline.settings import KeyframeSettings, VideoSettings
from paintsundo.undo.procedural import BEHAVIOURS
from paintsundo.undo.settings import Settings

console = Console(stderr=True, highlight=False, soft_wrap=True, markup=False, emoji=False)


@app.command()
def run(
    context: typer.Context,
    image: options.Image = None,
    output: options.Output = None,
    engine: options.Engine = "auto",
    workflow: options.Workflow = "auto",
    frames: options.Frames = None,
    fps: options.Fps = None,
    duration: options.Duration = None,
    seed: options.Seed = None,
    size: options.Size = None,
    format: options.Format = None,
    hold: options.Hold = 1.0,
    contact_sheet: options.ContactSheet = False,
    stages: options.Stages = None,
    flip: options.Flip = True,
    layer_toggle: options.LayerToggle = True,
    color_curve: options.ColorCurve = True,
    transform: options.Transform = True,
    change_of_idea: options.ChangeOfIdea = True,
    from_manifest: options.FromManifest = None,
    quiet: options.Quiet = False,
    models: options.Models = None,
    device: options.Device = None,
    memory: options.Memory = "auto",
    preset: options.Preset = "reference",
    compile: options.Compile = False,
    gpus: options.Gpus = None,
    prompt: options.Prompt = None,
    keyframe: options.KeyframeFiles = None,
    operation_steps: options.OperationSteps = None,
    keyframe_size: options.KeyframeSize = None,
    keyframe_steps: options.KeyframeSteps = None,
    keyframe_cfg: options.KeyframeCfg = KeyframeSettings.cfg,
    keyframe_seed: options.KeyframeSeed = None,
    video_prompt: options.VideoPrompt = VideoSettings.prompt,
    video_steps: options.VideoSteps = None,
    video_cfg: options.VideoCfg = VideoSettings.cfg,
    video_seed: options.VideoSeed = None,
    buckets: options.Buckets = None,
    segment_batch: options.SegmentBatch = None,
) -> None:
    """Turn IMAGE into a video of it being drawn: blank canvas, sketch, lines, colour, shading, finished."""
    neural_flags = []
    if from_manifest is not None:
        _refuse_overrides(context)
        image, settings, output, format = _from_manifest(from_manifest, image, output, format)
    elif image is None:
        raise PaintsUndoError("give an IMAGE to draw, or --from-manifest FILE")
    else:
        neural_flags = _neural_flags_given(context)
        settings = options.NeuralOptions.from_params(context.params).apply(_settings(context.params))
    user = options.parse_keyframes(keyframe)
    job = prepare_video(image, output, settings, format=format, models=models, user_keyframes=user)
    _draw(job, contact_sheet, quiet, neural_flags)


def _neural_flags_given(context: typer.Context) -> list[str]:
    """The neural engine's options typed on the command line, refused when the procedural engine is
    asked for. User keyframes are left to the library, which says what they need."""
    given = [
        _flag_given(context, param)
        for param in context.command.params
        if getattr(param, "rich_help_panel", None) == options.NEURAL_ENGINE_PANEL
        and param.name != "keyframe"
        and _given(context, param.name)
    ]
    if given and context.params["engine"] == "procedural":
        are, them = ("is", "it") if len(given) == 1 else ("are", "them")
        raise PaintsUndoError(
            f"{', '.join(given)} {are} for the neural engine only, but --engine procedural was asked"
            f" for: drop {them}, or choose --engine neural"
        )
    return given


def _settings(params: dict) -> Settings:
    """The run's settings, but for the neural engine's, from the command's parsed parameters."""
    frame_count, frame_rate = resolve_timing(params["frames"], params["fps"], params["duration"])
    if params["engine"] == "neural" and (params["frames"] is not None or params["duration"] is not None):
        raise PaintsUndoError(
            "the neural engine's frame count follows from its keyframes: drop --frames/--duration"
        )
    stages = params["stages"]
    return Settings(
        engine=params["engine"],
        frames=frame_count,
        fps=frame_rate,
        seed=params["seed"],
        size=params["size"],
        hold=params["hold"],
        workflow=params["workflow"],
        stage_weights=parse_stage_weights(stages) if stages else (),
        behaviours=frozenset(name for name in BEHAVIOURS if params[name]),
    )


def _draw(job: VideoJob, contact_sheet: bool, quiet: bool, neural_flags: list[str]) -> None:
    """Run a checked job under progress bars and report what was written; the neural engine's
    options given to a run that auto gave to the procedural engine are named as not used."""
    if not quiet:
        console.print(f"engine: {job.engine} ({job.engine_reason})")
        for warning in job.warnings:
            console.print(Text.assemble(("warning:", "yellow"), f" {warning}"))
        if neural_flags and job.engine == "procedural":
            console.print(
                f"not used by the procedural engine: {', '.join(neural_flags)} (neural engine only);"
                f" auto chose it: {job.engine_reason.removeprefix('auto: ')}"
            )
        _say_compiled_work(job)
    with progress_bars(console, quiet) as report:
        try:
            result = job.write(with_contact_sheet=contact_sheet, progress=report)
        except KeyboardInterrupt:
            console.print("interrupted: nothing was written")
            raise typer.Exit(130) from None
    if not quiet:
        report_result(result, job.settings.fps)


def _say_compiled_work(job: VideoJob) -> None:
    """Before a neural run on a GPU without prepared compiled work: that it runs eager, and the fix."""
    if job.engine == "neural":
        say_if_unprepared(job.settings, job.choice.first_device(job.settings.gpus))


def say_if_unprepared(settings: Settings, device: str) -> None:
    """One line when this GPU has no prepared compiled work for a run that would use it."""
    if settings.compile or settings.memory not in ("auto", "fast") or not device.startswith("cuda"):
        return
    from paintsundo.undo.neural import compiled_work_state

    if compiled_work_state(device) == "unprepared":
        console.print(f"compiled work is not prepared for this GPU: the run is eager; {PREPARE_HINT}")


def _say_prepared_calls(manifest: dict) -> None:
    """After a run with prepared work: the calls that had no package, and packages that broke."""
    calls = manifest.get("neural", {}).get("prepared_calls")
    if not calls:
        return
    if calls["eager"]:
        console.print(
            f"{calls['eager']} block calls had no prepared package (another size or keyframe count)"
            f" and ran eager; {PREPARE_HINT} with this run's neural options"
        )
    for broken in calls.get("broken", []):
        console.print(f"a prepared package would not load and was removed ({broken}); {PREPARE_HINT}")


def report_result(result: RunResult, fps: float) -> None:
    """Say what was written: how long the video plays, and, apart, how long it took to make."""
    written = result.manifest["output"]
    frames, held, seconds = written["frames"], written["hold_frames"], result.manifest["timings"]["total"]
    if written["format"] == "frames":
        console.print(f"wrote {result.output}: {frames} PNG frames, made in {seconds:.1f} s")
    else:
        plays = (frames + held) / fps
        hold = f" + {held} held" if held else ""
        console.print(
            f"wrote {result.output}: a {plays:.1f} s video ({frames} frames{hold} at {fps:g} fps),"
            f" made in {seconds:.1f} s"
        )
    console.print(f"manifest: {result.manifest_path}")
    if result.contact_sheet:
        console.print(f"contact sheet: {result.contact_sheet}")
    _say_prepared_calls(result.manifest)


PREPARE_HINT = "`paintsundo compile` prepares it once (minutes; later runs load it in seconds)"

# What may go with --from-manifest: where the run reads and writes, and how it reports.
MANIFEST_COMPANIONS = {"image", "output", "format", "contact_sheet", "quiet", "models", "from_manifest"}


def _refuse_overrides(context: typer.Context) -> None:
    """A recorded run is repeated as it was: a setting given beside the manifest would be ignored."""
    given = [
        param
        for param in context.command.params
        if param.name not in MANIFEST_COMPANIONS and _given(context, param.name)
    ]
    if given:
        flag = _flag_given(context, given[0])
        raise PaintsUndoError(
            f"--from-manifest repeats the recorded run with its own settings, so {flag} would be ignored:"
            f" drop {flag}, or edit the manifest's settings"
        )


def _flag_given(context: typer.Context, param: TyperOption | TyperArgument) -> str:
    """The flag as it was typed: --no-flip for a switch turned off."""
    turned_off = getattr(param, "secondary_opts", None) and context.params[param.name] is False
    return max(param.secondary_opts if turned_off else param.opts, key=len)


def _given(context: typer.Context, name: str) -> bool:
    source = context.get_parameter_source(name)
    return source is not None and source.name in ("COMMANDLINE", "ENVIRONMENT")


def _from_manifest(
    path: Path, image: Path | None, output: str | None, format: str | None
) -> tuple[Path, Settings, str, str]:
    """Input, settings, output and format of a recorded run; the input must be unchanged."""
    recorded = read_manifest(path)
    image = image or recorded.input_path
    if not image.exists():
        raise PaintsUndoError(f"the manifest's input is gone: {image} (pass the picture as IMAGE)")
    if file_sha256(image) != recorded.input_sha256:
        if image.resolve() != recorded.input_path.resolve():
            raise PaintsUndoError(
                f"{image} is not the picture the manifest recorded ({path.name}'s input was"
                f" {recorded.input_path}): give that picture, or leave IMAGE out"
            )
        raise PaintsUndoError(f"{image} has changed since the manifest was written (its sha256 differs)")
    format = format or _recorded_format(output, recorded.format)
    return image, recorded.settings, output or str(recorded.output), format


def _recorded_format(output: str | None, recorded: str) -> str | None:
    """The recorded run's format, unless -o names a file whose suffix gives one (None: that suffix)."""
    if output is None or output.endswith(("/", "\\")) or Path(output).is_dir():
        return recorded
    return None if Path(output).suffix.lower() in SUFFIXES else recorded
