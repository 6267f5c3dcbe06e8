"""The Gradio web app: the procedural engine in one click, and the Paints-UNDO three-step workflow.

It only calls the library (see `handlers`); `paintsundo app` starts it through `launch`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from paintsundo.app.scratch import Scratch


def launch(
    host: str = "127.0.0.1",
    port: int = 7860,
    share: bool = False,
    models: str | Path | None = None,
    on_ready: Callable[[str, str | None], None] | None = None,
) -> None:
    """Serve the app until Ctrl-C; `on_ready(local_url, share_url)` is called once it is up.

    Every file the app writes, Gradio's included, is in one temporary folder removed when it stops.
    """
    scratch = Scratch()
    try:
        with scratch.gradio_files():
            from paintsundo.app.server import serve  # Gradio reads where its cache is as it is imported

            with serve(host, port, share, models, scratch) as page:
                if on_ready is not None:
                    on_ready(page.local_url, page.share_url)
                page.block_thread()
    finally:
        scratch.remove()
