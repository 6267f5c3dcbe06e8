"""Where results go: format choice, writers, contact sheets and atomic staging."""

from __future__ import annotations

import os
from pathlib import Path

from paintsundo.errors import PaintsUndoError
from paintsundo.settings import FORMATS

SUFFIXES = {".mp4": "mp4", ".gif": "gif", ".webp": "webp"}


def resolve_output(
    stem: str, default_folder: Path, output: str | Path | None, format: str | None
) -> tuple[Path, str]:
    """The output path and format from -o and --format, as the CLI documents them.

    No -o: `<stem>.mp4` in default_folder. An existing folder (or a path ending in a slash):
    `<stem>.<format>` inside it. Otherwise the suffix of -o gives the format unless --format does.
    """
    if format is not None and format not in FORMATS:
        raise PaintsUndoError(f"unknown format {format!r}: choose one of {', '.join(FORMATS)}")
    if output is None or str(output).endswith(("/", "\\")) or Path(output).is_dir():
        folder = default_folder if output is None else Path(output)
        chosen = format or "mp4"
        name = f"{stem}_frames" if chosen == "frames" else f"{stem}.{chosen}"
        return folder / name, chosen
    path = Path(output)
    if format is not None:
        return path, format
    suffix = path.suffix.lower()
    if suffix in SUFFIXES:
        return path, SUFFIXES[suffix]
    if suffix == "":
        return path, "frames"
    raise PaintsUndoError(
        f"cannot tell the format from {path.name!r}: end -o with .mp4, .gif or .webp, or pass --format"
    )


def sidecar(output: Path, suffix: str) -> Path:
    """A file beside the output named after it, e.g. picture.mp4.json."""
    return output.with_name(output.name + suffix)


def check_writable(output: Path) -> None:
    """Fail before any work if the output's folder cannot be created or written."""
    folder = output.parent.absolute()
    existing = next(parent for parent in (folder, *folder.parents) if parent.exists())
    if not existing.is_dir():
        raise PaintsUndoError(f"cannot write output {output}: {existing} is a file, not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise PaintsUndoError(f"cannot write output {output}: no permission to write in {existing}")
