"""Outputs appear whole or not at all: write to temporary names, rename them all at the end.

A temporary name is `.<final name>.<pid>.<random>.partial<suffix>`: the writer's process id in it
tells a killed run's leftovers (removed by the next run) from a live run's work (left alone).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from pathlib import Path
from types import TracebackType

PARTIAL = re.compile(r"^\.(?P<final>.+)\.(?P<pid>\d+)\.[^.]+\.partial")


def partial_prefix(final: Path) -> str:
    """How this process's temporary names for `final` begin."""
    return f".{final.name}.{os.getpid()}."


def writer_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def remove_stale_partials(folder: Path, final_name: str | None = None) -> list[Path]:
    """Remove the temporary files of killed runs in `folder` (only those for `final_name`, if given).

    A temporary file whose writer is still running is left alone: it may be a concurrent run's.
    """
    removed = []
    for entry in folder.glob(".*.partial*") if folder.is_dir() else ():
        match = PARTIAL.match(entry.name)
        if match is None or (final_name is not None and match["final"] != final_name):
            continue
        if writer_alive(int(match["pid"])):
            continue
        shutil.rmtree(entry, ignore_errors=True) if entry.is_dir() else entry.unlink(missing_ok=True)
        removed.append(entry)
    return removed


class Staging:
    """Hands out temporary paths beside the final ones and renames them into place on success.

    On any exception, Ctrl-C included, every temporary file and folder is removed and the final
    paths are left as they were.
    """

    def __init__(self) -> None:
        self._pending: list[tuple[Path, Path]] = []
        self._made_folders: list[Path] = []  # folders made for the outputs, removed if the run fails

    def path(self, final: Path, folder: bool = False) -> Path:
        missing = [parent for parent in (final.parent, *final.parent.parents) if not parent.exists()]
        final.parent.mkdir(parents=True, exist_ok=True)
        self._made_folders.extend(missing)
        remove_stale_partials(final.parent, final.name)
        prefix = partial_prefix(final)
        if folder:
            temporary = Path(tempfile.mkdtemp(prefix=prefix, suffix=".partial", dir=final.parent))
        else:
            handle, name = tempfile.mkstemp(prefix=prefix, suffix=".partial" + final.suffix, dir=final.parent)
            os.close(handle)
            temporary = Path(name)
        self._pending.append((temporary, final))
        return temporary

    def __enter__(self) -> Staging:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if kind is None:
            self._commit()
        else:
            self._discard()

    def _commit(self) -> None:
        for temporary, final in self._pending:
            if temporary.is_dir():
                os.chmod(temporary, 0o755)
                if final.is_dir():
                    shutil.rmtree(final)
            else:
                os.chmod(temporary, 0o644)
            os.replace(temporary, final)
        self._pending.clear()

    def _discard(self) -> None:
        for temporary, _ in self._pending:
            if temporary.is_dir():
                shutil.rmtree(temporary, ignore_errors=True)
            else:
                temporary.unlink(missing_ok=True)
        self._pending.clear()
        for folder in sorted(set(self._made_folders), key=lambda path: len(path.parts), reverse=True):
            with contextlib.suppress(OSError):  # not empty: something else was put there meanwhile
                folder.rmdir()
        self._made_folders.clear()
