"""A batch of line drawings to colour: each sketch's hints are found beside it by name."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from paintsundo.batch.items import BatchItem, input_sha256, item_seed, settings_hash
from paintsundo.errors import PaintsUndoError
from paintsundo.outputs import sidecar
from paintsundo.undo.settings import Settings

HINTS_MARK = ".hints"  # sketch.png's hints are sketch.hints.png (any picture suffix)


@dataclass(frozen=True)
class ColorizeJob:
    """What `paintsundo colorize` would be asked for each sketch."""

    count: int = 1
    layers: bool = False
    video: str | None = None  # the videos' format (mp4, gif, webp), or None for none
    reference: str | None = None  # one palette picture for every sketch
    engine: str = "auto"  # the colourist: auto, procedural or neural
    neural: dict[str, Any] | None = None  # the neural colourist's options (NeuralColorize's fields)
    shading: str = "auto"  # the procedural colourist's lighting: auto, or a preset's name

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def is_hints(path: Path) -> bool:
    """Whether a file is some sketch's hints, never a sketch itself."""
    return path.stem.endswith(HINTS_MARK)


def hints_for(sketch: Path) -> Path | None:
    """The hints picture beside a sketch, if there is one."""
    found = sorted(sketch.parent.glob(f"{sketch.stem}{HINTS_MARK}.*"))
    return found[0] if found else None


def hints_sha256(sketch: Path) -> str | None:
    hints = hints_for(sketch)
    return None if hints is None else input_sha256(hints)


def color_item(item: BatchItem, settings: Settings, job: ColorizeJob) -> str:
    """Colour one sketch as the batch asks; the engine that did it."""
    from paintsundo.coloring.api import make_colorized
    from paintsundo.coloring.neural import NeuralColorize

    video = item.output.with_suffix(f".{job.video}") if job.video else None
    hints = hints_for(item.input)
    try:
        result = make_colorized(
            item.input,
            item.output,
            hints=hints,
            reference=job.reference,
            seed=item.seed,
            count=job.count,
            layers=job.layers,
            video=video,
            video_settings=settings,
            engine=job.engine,
            shading=job.shading,
            neural=NeuralColorize(**job.neural) if job.neural else None,
        )
    except PaintsUndoError as error:
        if hints is None and error.setting == "hints":  # nothing to colour from: say where hints go
            raise PaintsUndoError(
                f"no hints beside it: paint its scribbles into {item.input.stem}{HINTS_MARK}.png, or give"
                " the batch a reference picture, or colour with the neural colourist",
                "hints",
            ) from None
        raise
    return result.manifest["engine"]


def colored_as_asked(item: BatchItem, job: ColorizeJob) -> bool:
    """Whether the picture on disk was coloured from this sketch and its current hints, as asked."""
    try:
        made = json.loads(sidecar(item.output, ".json").read_text(encoding="utf-8"))
        hints = made["inputs"]["hints"]
        return (
            item.output.exists()
            and made["kind"] == "colorize"
            and made["inputs"]["sketch"]["sha256"] == item.sha256
            and (hints and hints["sha256"]) == hints_sha256(item.input)
            and made["seed"] == item.seed
            and len(made["candidates"]) == job.count
            and bool(made["layers"]) == job.layers
            and bool(made["video"]) == bool(job.video)
        )
    except (OSError, ValueError, KeyError, TypeError):
        return False


def plan_color_items(
    inputs: list[Path], out_dir: Path, settings: Settings, job: ColorizeJob
) -> list[BatchItem]:
    """One item per sketch (hints files are not sketches), each written as <name>.png; its key
    changes with the sketch, its hints and what is asked, so that a changed one is coloured again."""
    sketches = [path for path in inputs if not is_hints(path)]
    hashed = [(path, input_sha256(path)) for path in sketches]
    stems = [path.stem for path, _ in hashed]
    config = settings_hash(settings, "png", job.to_json())
    items = []
    for path, sha in hashed:
        name = path.stem if stems.count(path.stem) == 1 else f"{path.stem}-{sha[:8]}"
        key = f"{sha}:{hints_sha256(path) or 'no-hints'}:{config}"
        items.append(
            BatchItem(path, sha, key, item_seed(settings.procedural_seed, sha), out_dir / f"{name}.png", name)
        )
    return items
