"""What a batch is made of: the input pictures, each with its key, seed and output path."""

from __future__ import annotations

import glob
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from paintsundo.errors import PaintsUndoError
from paintsundo.picture import file_sha256
from paintsundo.undo.settings import Settings

PICTURE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff", ".gif"}
LIST_SUFFIXES = {".txt", ".lst", ".list"}


@dataclass(frozen=True)
class BatchItem:
    input: Path
    sha256: str  # of the input's bytes: the same picture under another name is the same item
    key: str  # sha256 + the settings' hash: a finished key is skipped on the next run
    seed: int  # from the base seed and sha256, so reruns are reproducible
    output: Path
    name: str  # the output's name without its suffix: the input's stem, with its hash where stems collide


def expand_inputs(spec: str) -> list[Path]:
    """A folder (its pictures), a glob pattern, or a text file with one path per line."""
    path = Path(spec)
    if path.is_dir():
        found = sorted(p for p in path.iterdir() if p.suffix.lower() in PICTURE_SUFFIXES and p.is_file())
    elif path.is_file() and path.suffix.lower() in LIST_SUFFIXES:
        lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
        found = [(path.parent / line) for line in lines if line and not line.startswith("#")]
    elif path.is_file():
        found = [path]
    else:
        found = sorted(Path(p) for p in glob.glob(spec, recursive=True) if Path(p).is_file())
    if not found:
        raise PaintsUndoError(
            f"no pictures found in {spec!r}: give a folder, a glob like 'art/*.png' or a .txt list"
        )
    return found


def input_sha256(path: Path) -> str:
    """The file's hash; an unreadable file gets one from its path, and fails when it is run."""
    try:
        return file_sha256(path)
    except OSError:
        return "unreadable-" + hashlib.sha256(str(path).encode()).hexdigest()


def settings_hash(settings: Settings, format: str, job: dict | None = None) -> str:
    """A short hash of what is asked; `job` adds a colouring batch's own options."""
    asked = {"settings": settings.to_json(), "format": format} | ({"job": job} if job else {})
    data = json.dumps(asked, sort_keys=True)
    return hashlib.sha256(data.encode()).hexdigest()[:16]


def item_seed(base_seed: int, sha256: str) -> int:
    """A seed below 2**63 from the base seed and the picture's hash."""
    digest = hashlib.sha256(f"{base_seed}:{sha256}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def plan_items(inputs: list[Path], out_dir: Path, settings: Settings, format: str) -> list[BatchItem]:
    """One item per input; outputs are named after the input, with its hash where names collide."""
    hashed = [(path, input_sha256(path)) for path in inputs]
    stems = [path.stem for path, _ in hashed]
    config = settings_hash(settings, format)
    items = []
    for path, sha in hashed:
        name = path.stem if stems.count(path.stem) == 1 else f"{path.stem}-{sha[:8]}"
        output = out_dir / (f"{name}_frames" if format == "frames" else f"{name}.{format}")
        items.append(
            BatchItem(path, sha, f"{sha}:{config}", item_seed(settings.procedural_seed, sha), output, name)
        )
    return items
