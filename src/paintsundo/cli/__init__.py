"""The `paintsundo` command: parses input, calls the library, reports errors as one line."""

from __future__ import annotations

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


def main() -> None:
    from paintsundo.cli import run  # noqa: F401  (registers the command)

    try:
        app(standalone_mode=False)
    except PaintsUndoError as error:
        errors.print(f"[red]error:[/red] {escape(str(error))}")
        sys.exit(2)
    except KeyboardInterrupt:
        errors.print("interrupted: nothing was written")
        sys.exit(130)
    except typer.Abort:
        errors.print("aborted")
        sys.exit(130)
    except typer.Exit as done:
        sys.exit(done.exit_code)
    except Exception as error:  # click's usage errors arrive here in non-standalone mode
        import click

        if isinstance(error, click.ClickException):
            error.show()
            sys.exit(2)
        raise
