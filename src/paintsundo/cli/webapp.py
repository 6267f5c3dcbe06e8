"""`paintsundo app`: the web app."""

from __future__ import annotations

from typing import Annotated

import typer

from paintsundo.cli import app, options


@app.command(name="app")
def serve(
    host: Annotated[
        str, typer.Option(help="Address to bind; the default serves only this machine.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 7860,
    share: Annotated[
        bool, typer.Option("--share", help="Also publish a temporary public gradio.live link.")
    ] = False,
    models: options.Models = None,
) -> None:
    """Start the web app: procedural engine in one click, and the Paints-UNDO three steps."""
    from paintsundo.app import launch

    launch(host=host, port=port, share=share, models=models)
