"""Every file the web app writes lives in one temporary folder, bounded while it runs, gone when it stops.

Gradio is pointed at a cache inside that folder, and each job's outputs are written inside Gradio's
cache, so Gradio serves them where they are instead of copying them. Only the latest jobs are kept.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

KEPT_JOBS = 4  # older jobs' files are deleted: their downloads are gone from the page by then


class Scratch:
    """The app's temporary folder: Gradio's cache and the latest jobs' outputs."""

    def __init__(self, kept_jobs: int = KEPT_JOBS) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="paintsundo-app-"))
        self.gradio_cache = self.root / "gradio"
        self._jobs_root = self.gradio_cache / "jobs"
        self._jobs_root.mkdir(parents=True)
        self._jobs: deque[Path] = deque()
        self._kept = kept_jobs
        self._lock = threading.Lock()

    def job_folder(self, prefix: str) -> Path:
        """A new folder for one job's outputs; the oldest jobs beyond the kept number are deleted."""
        folder = Path(tempfile.mkdtemp(prefix=prefix, dir=self._jobs_root))
        with self._lock:
            self._jobs.append(folder)
            while len(self._jobs) > self._kept:
                shutil.rmtree(self._jobs.popleft(), ignore_errors=True)
        return folder

    @contextmanager
    def gradio_files(self) -> Iterator[None]:
        """Gradio's cache (uploads and served files) inside this folder while the app runs.

        GRADIO_TEMP_DIR is Gradio's own setting; it is read while the server runs, so it is set for
        that time and restored after."""
        saved = os.environ.get("GRADIO_TEMP_DIR")
        os.environ["GRADIO_TEMP_DIR"] = str(self.gradio_cache)
        try:
            yield
        finally:
            if saved is None:
                os.environ.pop("GRADIO_TEMP_DIR", None)
            else:
                os.environ["GRADIO_TEMP_DIR"] = saved

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
