"""Options shared by the commands, as Annotated types, and turning them into library settings."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import typer

from paintsundo.cli.help_format import one_of
from paintsundo.errors import PaintsUndoError
from paintsundo.outputs import FORMATS
from paintsundo.sizes import parse_size
from paintsundo.undo.pipeline.settings import (
    NEURAL_ENGINE_MEMORY_MODES,
    PRESET_STEPS,
    KeyframeSettings,
    VideoSettings,
)
from paintsundo.undo.procedural import WORKFLOW_NAMES, WORKFLOW_STAGES
from paintsundo.undo.settings import ENGINES, WORKFLOWS, Settings, parse_buckets

Opt = typer.Option
NEURAL_ENGINE_PANEL = "Neural engine"  # the help's heading for the neural engine's options

Engine = Annotated[str, Opt(metavar=one_of(ENGINES), help=f"Engine: {'|'.join(ENGINES)}.")]
Workflow = Annotated[
    str,
    Opt(
        metavar=one_of(WORKFLOWS),
        help=f"How the procedural engine's artist works: {'|'.join(WORKFLOWS)} (auto: told from the"
        " picture, and the manifest says why).",
    ),
]
STAGES_HELP = (
    "Relative stage lengths by name, e.g. sketch=0.3: stages not named keep their workflow's defaults,"
    " only the ratios count, 0 leaves a stage out. The stages: "
    + "; ".join(f"{name} {', '.join(WORKFLOW_STAGES[name])}" for name in WORKFLOW_NAMES)
    + "."
)
Fps = Annotated[float | None, Opt(help="Frames per second (default: 4).", show_default=False)]
Stages = Annotated[str | None, Opt(help=STAGES_HELP, show_default=False)]
Quiet = Annotated[bool, Opt("--quiet", "-q", help="Print only errors.")]

# The run command's own.
Image = Annotated[
    Path | None, typer.Argument(help="The finished picture (PNG, JPEG, WebP, ...).", show_default=False)
]
Output = Annotated[
    str | None,
    Opt(
        "-o",
        "--output",
        help="Output file or folder (default: <image stem>.mp4 beside the image).",
        show_default=False,
    ),
]
Frames = Annotated[
    int | None, Opt(help="Frames of drawing, not counting the hold (default: 105).", show_default=False)
]
Duration = Annotated[
    float | None,
    Opt(help="Seconds of drawing; give at most two of --frames, --fps, --duration.", show_default=False),
]
Seed = Annotated[
    int | None,
    Opt(
        help="Seed: the same seed gives the same result. It drives the procedural engine and both"
        " neural stages, except a stage given its own (--keyframe-seed, --video-seed). Not given,"
        " the procedural engine uses 12345 and the neural engine the reference app's seeds:"
        " keyframes 12345, video 123.",
        show_default=False,
    ),
]
Size = Annotated[
    str | None,
    Opt(help="WIDTHxHEIGHT (cropped to fill), or the long side alone (default: 640).", show_default=False),
]
Format = Annotated[
    str | None,
    Opt(
        metavar=one_of(FORMATS),
        help=f"One of {'|'.join(FORMATS)} (default: from the -o suffix).",
        show_default=False,
    ),
]
Hold = Annotated[float, Opt(help="Seconds to hold the finished picture at the end.")]
ContactSheet = Annotated[
    bool, Opt("--contact-sheet", help="Also write <output>.contact.png, a grid of frames.")
]
Flip = Annotated[bool, Opt("--flip/--no-flip", help="Flip the canvas left-right for a moment.")]
LayerToggle = Annotated[
    bool, Opt("--layer-toggle/--no-layer-toggle", help="Hide the line layer for a moment.")
]
ColorCurve = Annotated[bool, Opt("--color-curve/--no-color-curve", help="Adjust colours with a curve.")]
Transform = Annotated[bool, Opt("--transform/--no-transform", help="Move a drawn part into place.")]
ChangeOfIdea = Annotated[
    bool, Opt("--change-of-idea/--no-change-of-idea", help="Paint a region, erase it, repaint it.")
]
FromManifest = Annotated[
    Path | None, Opt("--from-manifest", help="Repeat the run a manifest describes.", show_default=False)
]
Models = Annotated[
    Path | None,
    Opt(
        "--models",
        help="Folder with the released weights (see `paintsundo download`).",
        rich_help_panel=NEURAL_ENGINE_PANEL,
    ),
]
Device = Annotated[
    str | None,
    Opt(help="cuda, mps or cpu (default: the best available).", rich_help_panel=NEURAL_ENGINE_PANEL),
]
Memory = Annotated[
    str,
    Opt(
        metavar=one_of(NEURAL_ENGINE_MEMORY_MODES),
        help="fast (every model stays on the GPU, about 10 GiB), balanced (one stage's models),"
        " low (only the model at work, under 6 GiB) or auto (the fastest that fits).",
        rich_help_panel=NEURAL_ENGINE_PANEL,
    ),
]
Compile = Annotated[
    bool,
    Opt(
        "--compile",
        help="torch.compile the UNets and VAE decoders: faster, after minutes of compiling the first time.",
        rich_help_panel=NEURAL_ENGINE_PANEL,
    ),
]
Gpus = Annotated[
    str | None,
    Opt(
        help="Share one picture's keyframes and video segments out between these CUDA GPUs, each"
        " with its own copy of the models: 0,1 or all (default: one GPU).",
        show_default=False,
        rich_help_panel=NEURAL_ENGINE_PANEL,
    ),
]
PRESETS_HELP = ", ".join(f"{name} ({keys}/{video})" for name, (keys, video) in PRESET_STEPS.items())
Preset = Annotated[
    str,
    Opt(
        metavar=one_of(PRESET_STEPS),
        help=f"Sampling steps, keyframes/video: {PRESETS_HELP}.",
        rich_help_panel=NEURAL_ENGINE_PANEL,
    ),
]
SegmentBatch = Annotated[
    int | None,
    Opt(
        help="Video segments sampled together, about 1.3 GiB more each (default: 2 in fast and "
        "balanced memory modes, 1 in low).",
        show_default=False,
        rich_help_panel=NEURAL_ENGINE_PANEL,
    ),
]
Prompt = Annotated[
    str | None,
    Opt(
        help="Keyframe prompt (default: from the WD14 tagger).",
        show_default=False,
        rich_help_panel=NEURAL_ENGINE_PANEL,
    ),
]
KeyframeFiles = Annotated[
    list[str] | None,
    Opt(
        "--keyframe",
        help="Your own keyframe, FILE or FILE@STEP (1..999); repeatable.",
        rich_help_panel=NEURAL_ENGINE_PANEL,
    ),
]
OperationSteps = Annotated[
    str | None,
    Opt(
        help="Keyframe operation steps (default: 400,600,800,900,950,999).",
        rich_help_panel=NEURAL_ENGINE_PANEL,
    ),
]
KeyframeSize = Annotated[
    str | None, Opt(help="Keyframe WIDTHxHEIGHT (default: 512x640).", rich_help_panel=NEURAL_ENGINE_PANEL)
]
KeyframeSteps = Annotated[
    int | None,
    Opt(help="Keyframe sampling steps (default: the preset's).", rich_help_panel=NEURAL_ENGINE_PANEL),
]
KeyframeCfg = Annotated[float, Opt(help="Keyframe CFG scale.", rich_help_panel=NEURAL_ENGINE_PANEL)]
KeyframeSeed = Annotated[
    int | None,
    Opt(
        help="Keyframe seed (default: --seed, else 12345).",
        show_default=False,
        rich_help_panel=NEURAL_ENGINE_PANEL,
    ),
]
VideoPrompt = Annotated[
    str, Opt(help="Video prompt (the reference keeps it generic).", rich_help_panel=NEURAL_ENGINE_PANEL)
]
VideoSteps = Annotated[
    int | None, Opt(help="Video sampling steps (default: the preset's).", rich_help_panel=NEURAL_ENGINE_PANEL)
]
VideoCfg = Annotated[float, Opt(help="Video CFG scale.", rich_help_panel=NEURAL_ENGINE_PANEL)]
VideoSeed = Annotated[
    int | None,
    Opt(
        help="Video seed; segment i uses seed + i (default: --seed, else 123).",
        show_default=False,
        rich_help_panel=NEURAL_ENGINE_PANEL,
    ),
]
Buckets = Annotated[
    str | None,
    Opt(
        help="Video sizes to pick the nearest from, WxH list (default: 512x320,448x384,384x448,320x512).",
        rich_help_panel=NEURAL_ENGINE_PANEL,
    ),
]


@dataclasses.dataclass(frozen=True)
class NeuralOptions:
    prompt: str | None = None
    operation_steps: str | None = None
    keyframe_size: str | None = None
    keyframe_steps: int | None = None
    keyframe_cfg: float = KeyframeSettings.cfg
    keyframe_seed: int | None = None
    video_prompt: str = VideoSettings.prompt
    video_steps: int | None = None
    video_cfg: float = VideoSettings.cfg
    video_seed: int | None = None
    buckets: str | None = None
    device: str | None = None
    memory: str = "auto"
    preset: str = "reference"
    compile: bool = False
    segment_batch: int | None = None
    gpus: str | None = None

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> NeuralOptions:
        """The neural options among a command's parsed parameters; those it lacks keep their defaults."""
        return cls(**{f.name: params[f.name] for f in dataclasses.fields(cls) if f.name in params})

    def apply(self, settings: Settings) -> Settings:
        if self.preset not in PRESET_STEPS:
            raise PaintsUndoError(f"unknown preset {self.preset!r}: choose {', '.join(PRESET_STEPS)}")
        if self.segment_batch is not None and not 1 <= self.segment_batch <= 64:
            raise PaintsUndoError(f"--segment-batch must be between 1 and 64, got {self.segment_batch}")
        keyframe_steps, video_steps = PRESET_STEPS[self.preset]
        keyframe_settings = KeyframeSettings(
            steps=self.keyframe_steps or keyframe_steps, cfg=self.keyframe_cfg
        )
        if self.operation_steps:
            keyframe_settings = dataclasses.replace(
                keyframe_settings, operation_steps=_integers(self.operation_steps, "--operation-steps")
            )
        if self.keyframe_size:
            width, height = _pair(self.keyframe_size, "--keyframe-size")
            keyframe_settings = dataclasses.replace(keyframe_settings, width=width, height=height)
        video_settings = VideoSettings(
            prompt=self.video_prompt,
            steps=self.video_steps or video_steps,
            cfg=self.video_cfg,
            segment_batch=self.segment_batch,
        )
        if self.buckets:
            video_settings = dataclasses.replace(video_settings, buckets=parse_buckets(self.buckets))
        return dataclasses.replace(
            settings,
            prompt=self.prompt,
            keyframe_seed=self.keyframe_seed,
            video_seed=self.video_seed,
            keyframe_settings=keyframe_settings,
            video_settings=video_settings,
            device=self.device,
            memory=self.memory,
            compile=self.compile,
            gpus=_gpus(self.gpus),
        )


def _gpus(text: str | None) -> tuple[int, ...]:
    """GPU numbers from "0,1", or every visible one from "all"."""
    if text is None:
        return ()
    if text.strip() == "all":
        from paintsundo.undo.engines import visible_gpus

        return visible_gpus()
    return _integers(text, "--gpus")


def _integers(text: str, option: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise PaintsUndoError(f"{option} takes whole numbers separated by commas, got {text!r}") from None


def _pair(text: str, option: str) -> tuple[int, int]:
    """ "AxB" as (A, B), each rounded to even; the caller knows which is width."""
    size = parse_size(text) if "x" in text.lower() else None
    if not isinstance(size, tuple):
        raise PaintsUndoError(f"{option} takes sizes like 512x640, got {text!r}")
    return size


def parse_keyframes(values: list[str] | None) -> list[tuple[Path, int | None]]:
    """FILE or FILE@STEP, as (path, step or None)."""
    parsed = []
    for value in values or []:
        path, _, step = value.rpartition("@") if "@" in value else (value, "", "")
        if step and not step.isdigit():
            raise PaintsUndoError(f"--keyframe {value!r}: write FILE@STEP with STEP from 1 to 999")
        parsed.append((Path(path or value), int(step) if step else None))
    return parsed
