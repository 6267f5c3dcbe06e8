"""The Gradio web app: the procedural engine in one click, and the Paints-UNDO three-step workflow.

It only calls the library (see `handlers`); `paintsundo app` starts it.
"""

from __future__ import annotations

from pathlib import Path

import gradio as gr

from paintsundo.app.layout import build, bundled_examples

MAX_UPLOAD = "25mb"


def neural_status(models: str | Path | None) -> tuple[bool, str]:
    """Whether the neural engine can run here, and if not, why (one line)."""
    from paintsundo.engines import missing_neural_packages
    from paintsundo.errors import PaintsUndoError
    from paintsundo.hub import find_models

    missing = missing_neural_packages()
    if missing:
        return False, f"the neural extra is not installed (missing {', '.join(missing)})"
    try:
        found = find_models(models)
    except PaintsUndoError as error:
        return False, str(error)
    return (True, "") if found else (False, "its weights were not found")


def build_app(models: str | Path | None = None, concurrency: int = 1) -> gr.Blocks:
    """The page, with a queue that runs `concurrency` jobs at a time so GPU jobs never overlap."""
    ready, reason = neural_status(models)
    page = build(bundled_examples(), str(models) if models else None, ready, reason)
    return page.queue(default_concurrency_limit=concurrency, max_size=64)


def launch(
    host: str = "127.0.0.1", port: int = 7860, share: bool = False, models: str | Path | None = None
) -> None:
    """Serve the app; it binds to localhost unless told otherwise."""
    build_app(models).launch(
        server_name=host, server_port=port, share=share, max_file_size=MAX_UPLOAD, show_error=True
    )
