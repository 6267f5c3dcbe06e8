"""Serving the page: building it over a scratch folder and running it until told to stop."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import gradio as gr

from paintsundo.app import check_address
from paintsundo.app.layout import build, bundled_examples
from paintsundo.app.scratch import Scratch
from paintsundo.errors import PaintsUndoError

MAX_UPLOAD = "25mb"


def neural_status(models: str | Path | None) -> tuple[bool, str]:
    """Whether the neural engine can run here, and if not, why (one line)."""
    from paintsundo.extras import missing_neural_packages
    from paintsundo.hub import find_models

    missing = missing_neural_packages()
    if missing:
        return False, f"the neural extra is not installed (missing {', '.join(missing)})"
    try:
        found = find_models(models)
    except PaintsUndoError as error:
        return False, str(error)
    return (True, "") if found else (False, "its weights were not found")


def compiled_work_note() -> str:
    """For a GPU without prepared compiled work: that the neural engine runs eager, and the fix."""
    import torch

    from paintsundo.undo.neural import compiled_work_state

    if not torch.cuda.is_available() or compiled_work_state("cuda") != "unprepared":
        return ""
    return (
        "Compiled work is not prepared for this GPU, so pictures run eager. `paintsundo compile`"
        " prepares it once (minutes); restart the app after it."
    )


def build_app(scratch: Scratch, models: str | Path | None = None, concurrency: int = 1) -> gr.Blocks:
    """The page, writing into `scratch`, with a queue that runs `concurrency` jobs at a time so GPU
    jobs never overlap."""
    ready, reason = neural_status(models)
    note = compiled_work_note() if ready else ""
    page = build(bundled_examples(), scratch, str(models) if models else None, ready, reason, note)
    return page.queue(default_concurrency_limit=concurrency, max_size=64)


@contextmanager
def serve(
    host: str = "127.0.0.1",
    port: int | None = None,
    share: bool = False,
    models: str | Path | None = None,
    scratch: Scratch | None = None,
) -> Iterator[gr.Blocks]:
    """The app, served in the background until the block ends; then every file it wrote is removed.

    It binds to localhost unless told otherwise; the page's `local_url` says where it is."""
    check_address(host, port)
    owned = scratch is None
    scratch = scratch or Scratch()
    try:
        with scratch.gradio_files():
            page = build_app(scratch, models)
            try:
                page.launch(
                    server_name=host,
                    server_port=port,
                    share=share,
                    max_file_size=MAX_UPLOAD,
                    show_error=True,
                    quiet=True,
                    prevent_thread_lock=True,
                )
            except OSError as error:  # the port taken since the check, or all of Gradio's own range
                reason = str(error).split(". ")[0]
                raise PaintsUndoError(
                    f"cannot serve on {host} ({reason}): choose another port", "port"
                ) from None
            try:
                yield page
            finally:
                page.close()
    finally:
        if owned:
            scratch.remove()
