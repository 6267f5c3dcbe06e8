"""The `paintsundo` command: parses input, calls the library, reports errors as one line."""

from __future__ import annotations

import signal
import sys

import typer
from rich.console import Console
from rich.markup import escape

from paintsundo import __version__
from paintsundo.errors import PaintsUndoError

app = typer.Typer(
    name="paintsundo",
    help="Turn a finished picture into a video of it being drawn.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
errors = Console(stderr=True, highlight=False, soft_wrap=True)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"paintsundo {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_show_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Turn a finished picture into a video of it being drawn."""


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    from paintsundo.cli import batch, models, neural, run, webapp  # noqa: F401  (importing registers the commands)

    # Started from a script or a job shell, SIGINT may arrive ignored; a user's Ctrl-C, or a
    # scheduler's SIGTERM, must still stop the run and remove its temporary files.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)

    try:
        app()
    except PaintsUndoError as error:
        errors.print(f"[red]error:[/red] {escape(str(error))}")
        sys.exit(2)
