"""`paintsundo app`: the web app."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from paintsundo.cli import app, options
from paintsundo.extras import require_extra

console = Console(stderr=True, highlight=False, soft_wrap=True, markup=False, emoji=False)


@app.command(name="app")
def serve(
    host: Annotated[
        str, typer.Option(help="Address to bind; the default serves only this machine.")
    ] = "127.0.0.1",
    port: Annotated[
        int | None, typer.Option(help="Port (default: the first free one from 7860).", show_default=False)
    ] = None,
    share: Annotated[
        bool, typer.Option("--share", help="Also publish a temporary public gradio.live link.")
    ] = False,
    models: options.Models = None,
) -> None:
    """Start the web app: procedural engine in one click, and the Paints-UNDO three steps."""
    require_extra("app", ("gradio",), "the web app")
    from paintsundo.app import launch

    def announce(local_url: str, share_url: str | None) -> None:
        console.print(f"paintsundo app running at {local_url} (Ctrl-C to stop)")
        if share_url:
            console.print(f"public link, for 72 hours at most: {share_url}")
        elif host == "127.0.0.1":
            console.print("only this machine can open it; --share publishes a temporary public link")

    launch(host=host, port=port, share=share, models=models, on_ready=announce)
    console.print("stopped; the app's temporary files are removed")
