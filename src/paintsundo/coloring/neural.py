"""Which colourist runs (procedural or neural) and the neural one's candidates: its models kept for
the next picture, tags for a prompt, the scribbles' flat colours as its starting picture."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from paintsundo.coloring.choices import COLORIST_MEMORY_MODES, CONTROL_NAMES
from paintsundo.coloring.procedural import ColorLayers, LineArt, colorize_layers, layers_of_picture
from paintsundo.errors import PaintsUndoError
from paintsundo.extras import NEURAL_PACKAGES, missing_neural_packages, require_extra
from paintsundo.hub import COLORIST_CONTROLNET_REPO, TAGGER_FILES
from paintsundo.undo.engines import best_device

if TYPE_CHECKING:
    from paintsundo.coloring.controlnet import LineartColorist
    from paintsundo.tagger import Tagger

# Tags that say what the sketch is drawn in, not what it shows: the illustration is none of these.
MEDIUM_TAGS = {
    "monochrome",
    "greyscale",
    "grayscale",
    "lineart",
    "sketch",
    "traditional media",
    "line drawing",
}


@dataclass(frozen=True)
class NeuralColorize:
    """The neural colourist's models and settings."""

    # Folders or hub ids; None: the downloaded ones (the ControlNet then from the hub, and no
    # IP-Adapter, so that a reference gives its palette instead).
    base: str | Path | None = None  # an SD1.5 anime model in diffusers layout
    controlnet: str | Path | None = None
    ip_adapter: str | Path | None = None  # an SD1.5 IP-Adapter in h94/IP-Adapter's layout
    prompt: str | None = None  # None: the tagger's tags for the sketch, where its weights are found
    negative_prompt: str | None = None  # None: the lineart_anime demo's
    control: str = "balanced"
    steps: int = 20
    cfg: float = 9.0
    keep_lines: bool = True  # the sketch's own lines laid over the result
    device: str | None = None
    models: str | Path | None = None  # a Paints-UNDO models folder, for its tagger
    memory: str = "fast"  # fast: the models stay on the GPU; low: each layer comes in as it runs
    compile: bool = False  # torch.compile the UNet and ControlNet: faster, after a compile

    def __post_init__(self) -> None:
        if self.control not in CONTROL_NAMES:
            raise PaintsUndoError(
                f"unknown control {self.control!r}: choose {', '.join(CONTROL_NAMES)}", "control"
            )
        if not 1 <= self.steps <= 200:
            raise PaintsUndoError(f"steps must be between 1 and 200, got {self.steps}", "steps")
        if self.memory not in COLORIST_MEMORY_MODES:
            choices = ", ".join(COLORIST_MEMORY_MODES)
            raise PaintsUndoError(f"unknown memory mode {self.memory!r}: choose {choices}", "memory")
        if not 0.0 <= self.cfg <= 30.0:
            raise PaintsUndoError(f"cfg must be between 0 and 30, got {self.cfg}", "cfg")


@dataclass(frozen=True)
class ColoristModels:
    """The models a neural colourist run loads, as folders or hub ids."""

    base: str
    controlnet: str
    ip_adapter: str | None


def colorist_models(neural: NeuralColorize) -> ColoristModels | None:
    """The models given, else the downloaded ones; None when there is no base model."""
    from paintsundo.hub import find_colorist_models

    found = find_colorist_models(neural.models)
    base = neural.base or found.base
    if base is None:
        return None
    controlnet = neural.controlnet or found.controlnet or COLORIST_CONTROLNET_REPO
    ip_adapter = neural.ip_adapter or found.ip_adapter
    return ColoristModels(str(base), str(controlnet), None if ip_adapter is None else str(ip_adapter))


def choose_colorist(engine: str, neural: NeuralColorize) -> tuple[str, str]:
    """The colourist to run and why: neural when asked for, or (auto) when a base model is given or
    downloaded, the neural extra is installed and a GPU is there."""
    if engine == "procedural":
        return "procedural", "asked for"
    if engine == "neural":
        require_extra("neural", NEURAL_PACKAGES, "the neural colourist")
        models = colorist_models(neural)
        if models is None:
            raise PaintsUndoError(
                "the neural colourist needs a base model (an SD1.5 anime model in diffusers layout, a"
                " folder or a hub id): give one, or download the colourist's weights with the download"
                " command",
                "base",
            )
        _check_weights(models)
        return "neural", "asked for"
    if missing_neural_packages():
        return "procedural", "auto: the neural extra is not installed"
    models = colorist_models(neural)
    if models is None:
        return "procedural", "auto: no base model for the neural colourist, given or downloaded"
    import torch

    if neural.device != "cuda" and not torch.cuda.is_available():
        return "procedural", "auto: no GPU for the neural colourist"
    _check_weights(models)
    return "neural", "auto: a base model and a GPU"


def _check_weights(models: ColoristModels) -> None:
    """Fail in one line, before any model code is imported, where a model is missing or pickled."""
    from paintsundo.weights.diffusers_folders import CONTROLNET, IP_ADAPTER, SD15_PIPELINE, model_folder

    model_folder(models.controlnet, CONTROLNET, "controlnet")
    model_folder(models.base, SD15_PIPELINE, "base")
    if models.ip_adapter is not None:
        model_folder(models.ip_adapter, IP_ADAPTER, "ip_adapter")


def neural_candidates(
    sketch: np.ndarray, hints: np.ndarray | None, reference: np.ndarray | None, seed: int, count: int,
    neural: NeuralColorize, kept: KeptColorist | None = None,
) -> tuple[list[ColorLayers], dict]:  # fmt: skip
    """`count` pictures from seeds seed.., as layers (the sketch's lines over the model's colours,
    with flats and shading derived from them), and what the manifest records of the run. The models
    are those `kept` holds (the process's `shared_colorist` unless given), loaded there if need be."""
    kept = shared_colorist if kept is None else kept
    from paintsundo.weights.quiet import quiet_loading

    with quiet_loading():
        from paintsundo.coloring.controlnet import COLORIST_NEGATIVE_PROMPT, ColoristSettings, at_size

    models = colorist_models(neural)
    if models is None:
        raise PaintsUndoError("the neural colourist needs a base model", "base")
    # A reference steers the model through the IP-Adapter where there is one; otherwise its palette
    # fills the regions no scribble reaches, in the starting picture.
    by_adapter = reference is not None and models.ip_adapter is not None
    palette = None if by_adapter else reference
    start = None
    if hints is not None or palette is not None:  # the scribbles' flat colours, on the paper
        flats = colorize_layers(sketch, hints, palette, seed=seed).flats_on_paper()
        start = np.clip(np.rint(flats), 0, 255).astype(np.uint8)
    prompt, prompt_source = _prompt(sketch, neural, kept)
    settings = ColoristSettings(
        prompt=prompt,
        negative_prompt=COLORIST_NEGATIVE_PROMPT
        if neural.negative_prompt is None
        else neural.negative_prompt,
        control=neural.control,
        steps=neural.steps,
        cfg=neural.cfg,
        seed=seed,
        count=count,
    )
    device = neural.device or best_device()
    if neural.memory == "low" and device != "cuda":
        raise PaintsUndoError(
            "low memory mode moves layers onto a CUDA GPU as they run: it needs one", "memory"
        )
    adapter = models.ip_adapter if by_adapter else None
    colorist = kept.colorist(models, adapter, device, neural.memory, neural.compile)
    height, width = sketch.shape[:2]
    made = colorist(sketch, start, settings, reference if by_adapter else None)
    pictures = at_size(made, (width, height))
    layers = [layers_of_picture(sketch, picture) for picture in pictures]
    if not neural.keep_lines:
        layers = [dataclasses.replace(each, lines=_no_lines(each.lines)) for each in layers]
    details = {
        "prompt": prompt,
        "prompt_source": prompt_source,
        "negative_prompt": settings.negative_prompt,
        "control": neural.control,
        "steps": neural.steps,
        "cfg": neural.cfg,
        "base": models.base,
        "controlnet": models.controlnet,
        "ip_adapter": adapter,
        "reference_by": None if reference is None else ("ip-adapter" if by_adapter else "palette"),
        "started_from_hints": start is not None,
        "keep_lines": neural.keep_lines,
    }
    return layers, details


def _prompt(sketch: np.ndarray, neural: NeuralColorize, kept: KeptColorist) -> tuple[str, str]:
    """The prompt given, else the tagger's tags for the sketch without those of its medium."""
    if neural.prompt is not None:
        return neural.prompt, "given"
    from paintsundo.hub import find_models

    try:
        models = find_models(neural.models)
    except PaintsUndoError:
        models = None
    if models is None or not all((models.tagger / name).is_file() for name in TAGGER_FILES):
        return "", "none: no prompt given and no tagger weights found"
    tags = kept.tagger(str(models.tagger))(sketch)
    shown = [tag.strip() for tag in tags.split(",") if tag.strip() and tag.strip() not in MEDIUM_TAGS]
    return ", ".join(shown), "the tagger's tags for the sketch"


class KeptColorist:
    """The neural colourist's models, loaded when first needed and kept for the next sketch (the app
    and the batch's workers colour many): the colourist loaded last, and the tagger. One loaded with
    an IP-Adapter also serves sketches without a reference, so that switching is free. `clear` lets
    them go."""

    def __init__(self) -> None:
        self._colorist: LineartColorist | None = None
        self._key: tuple | None = None
        self._ip_adapter: str | None = None
        self._tagger: tuple[str, Tagger] | None = None

    def colorist(
        self, models: ColoristModels, ip_adapter: str | None, device: str, memory: str, compile: bool
    ) -> LineartColorist:
        from paintsundo.coloring.controlnet import LineartColorist

        wanted = (models.base, models.controlnet, device, memory, compile)
        if self._colorist is None or self._key != wanted or ip_adapter not in (None, self._ip_adapter):
            self._colorist = None  # the old models go before the new ones come
            colorist = LineartColorist(models.base, models.controlnet, device, memory, compile, ip_adapter)
            self._colorist, self._key, self._ip_adapter = colorist, wanted, ip_adapter
        return self._colorist

    def tagger(self, folder: str) -> Tagger:
        if self._tagger is None or self._tagger[0] != folder:
            from paintsundo.tagger import Tagger

            self._tagger = (folder, Tagger(folder))
        return self._tagger[1]

    def clear(self) -> None:
        self._colorist = self._key = self._ip_adapter = self._tagger = None


shared_colorist = KeptColorist()  # the process's, which neural_candidates uses unless given another


def _no_lines(lines: LineArt) -> LineArt:
    return dataclasses.replace(lines, opacity=np.zeros_like(lines.opacity))
