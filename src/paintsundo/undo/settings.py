"""The settings of one run, shared by the Python API, the CLI and the manifest."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

from paintsundo.config_fields import from_known_fields
from paintsundo.errors import PaintsUndoError
from paintsundo.sizes import parse_size
from paintsundo.undo.pipeline.settings import NEURAL_ENGINE_MEMORY_MODES, KeyframeSettings, VideoSettings
from paintsundo.undo.procedural import BEHAVIOURS, WORKFLOW_NAMES

ENGINES = ("auto", "procedural", "neural")
WORKFLOWS = ("auto", *WORKFLOW_NAMES)
StageWeights = tuple[tuple[str, float], ...]  # (stage, relative length) for the stages given
DEFAULT_SEED = 12345  # the procedural engine's when no seed is given
DEFAULT_FRAMES = 105  # 7 segments of 15 frames, as the reference app makes
DEFAULT_FPS = 4.0
FPS_RANGE = (0.1, 240.0)
MAX_FRAMES = 100_000
LEGACY_NAMES = {"keyframes": "keyframe_settings", "video": "video_settings"}
# A stage weight is 0 (the stage left out) or in this range: only the ratios count, and bounded
# weights keep each stage's share of the frames finite (a weight of 1e308 overflowed it).
STAGE_WEIGHT_RANGE = (0.001, 1000.0)


@dataclass(frozen=True)
class Settings:
    """Everything that decides what a run produces. Equal settings and input give equal frames.

    `seed` drives the procedural engine and both neural stages; `keyframe_seed` and `video_seed`
    override their stage. Not given (None), the procedural engine takes DEFAULT_SEED and the neural
    stages the reference app's seeds, so the default run makes the reference app's video.
    `keyframe_settings.seed` and `video_settings.seed` are set from these: they are the seeds the
    stages use.
    """

    engine: str = "auto"
    frames: int = DEFAULT_FRAMES
    fps: float = DEFAULT_FPS
    seed: int | None = None
    keyframe_seed: int | None = None
    video_seed: int | None = None
    size: str | None = None  # "WxH", or one number for the long side; None keeps 640 on the long side
    hold: float = 1.0  # seconds of the finished picture after the process, not counted in frames
    workflow: str = "auto"  # the procedural engine's way of working; auto: told from the picture
    stage_weights: StageWeights = ()  # stages not named keep the workflow's default lengths
    behaviours: frozenset[str] = field(default_factory=lambda: frozenset(BEHAVIOURS))
    # The neural engine's: the prompt (None: from the tagger), its two stages, where it runs.
    prompt: str | None = None
    keyframe_settings: KeyframeSettings = field(default_factory=KeyframeSettings)
    video_settings: VideoSettings = field(default_factory=VideoSettings)
    device: str | None = None  # cuda, mps or cpu; None picks the best available
    memory: str = "auto"  # auto, fast, balanced or low (pipeline.placement.MemoryPlan)
    compile: bool = False  # torch.compile the UNets and VAE decoders: faster, after minutes of compiling
    gpus: tuple[int, ...] = ()  # CUDA GPUs to share one picture's work out between; () the one device

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise PaintsUndoError(f"unknown engine {self.engine!r}: choose one of {', '.join(ENGINES)}")
        if not 2 <= self.frames <= MAX_FRAMES:
            raise PaintsUndoError(f"frames must be between 2 and {MAX_FRAMES}, got {self.frames}", "frames")
        if not (math.isfinite(self.fps) and FPS_RANGE[0] <= self.fps <= FPS_RANGE[1]):
            raise PaintsUndoError(
                f"fps must be between {FPS_RANGE[0]:g} and {FPS_RANGE[1]:g}, got {self.fps}", "fps"
            )
        if not (math.isfinite(self.hold) and 0 <= self.hold <= 3600):
            raise PaintsUndoError(f"hold must be between 0 and 3600 seconds, got {self.hold}")
        for name in ("seed", "keyframe_seed", "video_seed"):
            _check_seed(getattr(self, name), name)
        if self.size is not None:
            parse_size(self.size)
        if self.workflow not in WORKFLOWS:
            raise PaintsUndoError(f"unknown workflow {self.workflow!r}: choose one of {', '.join(WORKFLOWS)}")
        named = self.stage_weights.items() if isinstance(self.stage_weights, dict) else self.stage_weights
        stage_weights = tuple((str(name), float(weight)) for name, weight in named)
        check_stage_weights(stage_weights)
        unknown = set(self.behaviours) - set(BEHAVIOURS)
        if unknown:
            raise PaintsUndoError(
                f"unknown behaviour {sorted(unknown)[0]!r}: choose from {', '.join(BEHAVIOURS)}"
            )
        if self.device not in (None, "cuda", "mps", "cpu"):
            raise PaintsUndoError(f"unknown device {self.device!r}: choose cuda, mps or cpu")
        if self.memory not in NEURAL_ENGINE_MEMORY_MODES:
            modes = ", ".join(NEURAL_ENGINE_MEMORY_MODES)
            raise PaintsUndoError(f"unknown memory mode {self.memory!r}: choose {modes}")
        _check_neural(self.keyframe_settings, self.video_settings)
        gpus = tuple(self.gpus)
        if any(not isinstance(gpu, int) or gpu < 0 for gpu in gpus) or len(set(gpus)) != len(gpus):
            raise PaintsUndoError(f"GPUs are distinct numbers from 0, like 0,1; got {list(gpus)}", "gpus")
        if len(gpus) > 1 and self.device not in (None, "cuda"):
            raise PaintsUndoError("sharing a picture between GPUs needs the CUDA device", "gpus")
        object.__setattr__(self, "gpus", gpus)
        self._set_stage_seeds()
        object.__setattr__(self, "behaviours", frozenset(self.behaviours))
        object.__setattr__(self, "stage_weights", stage_weights)

    @property
    def hold_frames(self) -> int:
        return round(self.hold * self.fps)

    @property
    def procedural_seed(self) -> int:
        """The procedural engine's seed: the one given, else DEFAULT_SEED."""
        return DEFAULT_SEED if self.seed is None else self.seed

    def _set_stage_seeds(self) -> None:
        """Each neural stage's seed: its own if given, else the run's, else the reference app's (the
        defaults of KeyframeSettings and VideoSettings)."""
        for stage, own, reference in (
            ("keyframe_settings", self.keyframe_seed, KeyframeSettings.seed),
            ("video_settings", self.video_seed, VideoSettings.seed),
        ):
            chosen = own if own is not None else reference if self.seed is None else self.seed
            object.__setattr__(self, stage, dataclasses.replace(getattr(self, stage), seed=chosen))

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["behaviours"] = sorted(self.behaviours)
        data["stage_weights"] = dict(self.stage_weights)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Settings:
        known = {f.name for f in dataclasses.fields(cls)}
        # Manifests before 0.2.0 named the neural stages' settings "keyframes" and "video".
        data = {LEGACY_NAMES.get(key, key): value for key, value in data.items()}
        values = {key: value for key, value in data.items() if key in known}
        if isinstance(values.get("stage_weights"), dict):
            values["stage_weights"] = tuple(values["stage_weights"].items())
        if "behaviours" in values:
            values["behaviours"] = frozenset(values["behaviours"])
        if isinstance(values.get("gpus"), list):
            values["gpus"] = tuple(values["gpus"])
        if isinstance(values.get("keyframe_settings"), dict):
            values["keyframe_settings"] = from_known_fields(KeyframeSettings, values["keyframe_settings"])
        if isinstance(values.get("video_settings"), dict):
            values["video_settings"] = from_known_fields(VideoSettings, values["video_settings"])
        # Manifests before the stages followed `seed` recorded only the seeds each stage used.
        for stage, own in (("keyframe_settings", "keyframe_seed"), ("video_settings", "video_seed")):
            if own not in data and stage in values:
                values[own] = getattr(values[stage], "seed", None)
        try:
            return cls(**values)
        except TypeError as error:
            raise PaintsUndoError(f"the manifest's settings are malformed: {error}") from None


def _check_seed(value: int | None, name: str) -> None:
    if value is not None and not 0 <= value < 2**63:
        words = name.replace("_", " ")
        raise PaintsUndoError(f"{words} must be a non-negative integer below 2**63, got {value}", name)


def _check_neural(keyframes: KeyframeSettings, video: VideoSettings) -> None:
    if not keyframes.operation_steps or any(not 0 < step < 1000 for step in keyframes.operation_steps):
        raise PaintsUndoError(
            "operation steps must be whole numbers from 1 to 999, like 400,600,800,900,950,999"
        )
    if keyframes.width % 8 or keyframes.height % 8 or min(keyframes.width, keyframes.height) < 64:
        raise PaintsUndoError("the keyframe size must be multiples of 8 pixels, at least 64 on each side")
    if any(h % 8 or w % 8 or min(h, w) < 32 for h, w in video.buckets):
        raise PaintsUndoError("video buckets must be HEIGHTxWIDTH multiples of 8, at least 32 on each side")
    for name, value in (("keyframe steps", keyframes.steps), ("video steps", video.steps)):
        if not 1 <= value <= 1000:
            raise PaintsUndoError(f"{name} must be between 1 and 1000, got {value}")
    if video.frames_per_segment < 3:
        raise PaintsUndoError("each video segment needs at least 3 frames")


def check_stage_weights(weights: StageWeights) -> None:
    """Each stage named once, with 0 or a weight in STAGE_WEIGHT_RANGE."""
    names = [name for name, _ in weights]
    twice = next((name for name in names if names.count(name) > 1), None)
    if twice is not None:
        raise PaintsUndoError(
            f"stage {twice!r} is named twice: name each stage once, like sketch=0.3,detail=0.1",
            "stage_weights",
        )
    low, high = STAGE_WEIGHT_RANGE
    for name, weight in weights:
        if not (weight == 0 or low <= weight <= high):  # NaN fails both
            raise PaintsUndoError(
                f"stage weight {name}={weight:g} is out of range: give 0 to leave the stage out, or"
                f" a number from {low:g} to {high:g} (only the ratios count)",
                "stage_weights",
            )


def parse_buckets(text: str) -> tuple[tuple[int, int], ...]:
    """Video sizes "WxH,WxH,..." as the reference's (height, width) buckets."""
    buckets = []
    for part in (piece.strip() for piece in text.split(",") if piece.strip()):
        size = parse_size(part)
        if not isinstance(size, tuple):
            raise PaintsUndoError(f"video sizes are WIDTHxHEIGHT, like 512x320; got {part!r}")
        buckets.append((size[1], size[0]))
    if not buckets:
        raise PaintsUndoError("give at least one video size, like 512x320")
    return tuple(buckets)
