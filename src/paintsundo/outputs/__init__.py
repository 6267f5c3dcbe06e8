"""Where results go: format choice, writers, contact sheets and atomic staging."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from paintsundo.errors import PaintsUndoError

FORMATS = ("mp4", "gif", "webp", "frames")
SUFFIXES = {".mp4": "mp4", ".gif": "gif", ".webp": "webp"}


def resolve_output(
    stem: str, default_folder: Path, output: str | Path | None, format: str | None
) -> tuple[Path, str]:
    """The output path and format, by one rule.

    The output is a folder when it is not given (default_folder), ends in a slash, already is a
    folder, or the format is "frames": the result goes inside it as `<stem>.<format>`, or
    `<stem>_frames/` for PNG frames. Otherwise it is a file whose suffix (.mp4, .gif, .webp) gives
    the format; a format given as well must agree with the suffix.
    """
    if format is not None and format not in FORMATS:
        raise PaintsUndoError(f"unknown format {format!r}: choose one of {', '.join(FORMATS)}")
    text = None if output is None else str(output)
    if format == "frames" and text is not None:
        _refuse_a_video_name_for_frames(Path(text), text.endswith(("/", "\\")))
    if text is None or text.endswith(("/", "\\")) or Path(text).is_dir() or format == "frames":
        folder = default_folder if text is None else Path(text)
        chosen = format or "mp4"
        name = f"{stem}_frames" if chosen == "frames" else f"{stem}.{chosen}"
        return folder / name, chosen
    path = Path(text)
    suffix = path.suffix.lower()
    implied = SUFFIXES.get(suffix)
    if format is not None and suffix and implied != format:
        raise PaintsUndoError(
            f"the output {path.name!r} ends in {suffix!r} but the format asked for is {format}:"
            f" name it {path.stem}.{format}, or leave the format out"
        )
    if format is not None:
        return path, format
    if implied is not None:
        return path, implied
    if suffix == "":
        raise PaintsUndoError(
            f"cannot tell what to write at {path.name!r}: end it with .mp4, .gif or .webp for a video,"
            f" or with / for a folder"
        )
    raise PaintsUndoError(f"cannot tell the format from {path.name!r}: end it with .mp4, .gif or .webp")


def _refuse_a_video_name_for_frames(path: Path, slashed: bool) -> None:
    """A folder of frames named like a video (fr.mp4) is a suffix that disagrees with the format."""
    suffix = path.suffix.lower()
    if suffix in SUFFIXES and not slashed and not path.is_dir():
        raise PaintsUndoError(
            f"the output {path.name!r} ends in {suffix!r} but the format asked for is frames:"
            f" name a folder, like {path.stem}/, or leave the format out"
        )


def written_paths(output: Path) -> list[Path]:
    """Every path a run may write for this output: the output itself and its sidecars."""
    return [output, sidecar(output, ".json"), sidecar(output, ".contact.png")]


def check_not_inputs(outputs: list[Path], inputs: Iterable[object]) -> None:
    """Refuse any output that is an input, or a folder holding one: a run never writes over its input.

    Inputs that are not paths (arrays, PIL images) cannot be overwritten and are passed over."""
    sources = [(Path(item), Path(item).resolve()) for item in inputs if isinstance(item, (str, Path))]
    for output in outputs:
        target = output.resolve()
        for source, original in sources:
            if original == target or original.is_relative_to(target):
                raise PaintsUndoError(
                    f"the output {output} would overwrite the input {source}: choose another output path"
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
