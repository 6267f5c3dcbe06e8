"""Outputs appear whole or not at all: write to temporary names, rename them all at the end."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from types import TracebackType


class Staging:
    """Hands out temporary paths beside the final ones and renames them into place on success.

    On any exception, Ctrl-C included, every temporary file and folder is removed and the final
    paths are left as they were.
    """

    def __init__(self) -> None:
        self._pending: list[tuple[Path, Path]] = []

    def path(self, final: Path, folder: bool = False) -> Path:
        final.parent.mkdir(parents=True, exist_ok=True)
        prefix = f".{final.name}."
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
