"""The `paintsundo` command: parses input, calls the library, reports errors as one line."""

from __future__ import annotations

import os
import signal
import sys
from typing import NoReturn

import typer
from rich.console import Console
from rich.text import Text

from paintsundo._version import __version__
from paintsundo.cli.help_format import Group, Typer
from paintsundo.errors import PaintsUndoError
from paintsundo.undo.pipeline.settings import allocator_environment

app = Typer(
    name="paintsundo",
    cls=Group,
    help="Turn a finished picture into a video of it being drawn.",
    invoke_without_command=True,  # bare `paintsundo` shows the help (see _root)
    add_completion=False,
    pretty_exceptions_enable=False,
)
# Messages are plain text: a path or an extra's name in [brackets] must not be taken for Rich markup.
errors = Console(stderr=True, highlight=False, soft_wrap=True, markup=False, emoji=False)
INTERRUPTED = 130  # 128 + SIGINT: what a command stopped by Ctrl-C exits with (SIGTERM: 128 + 15)
_stopped_by: list[int] = []  # the signal that stopped the command, if one other than SIGINT did


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"paintsundo {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    context: typer.Context,
    version: bool = typer.Option(
        False, "--version", callback=_show_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Turn a finished picture into a video of it being drawn."""
    if context.invoked_subcommand is None:
        typer.echo(context.get_help())
        raise typer.Exit()


def _interrupt(signum: int, frame: object) -> None:
    _stopped_by.append(signum)
    raise KeyboardInterrupt


def main() -> None:
    from paintsundo.cli import batch, colorize, compiling, models, neural, run, webapp  # noqa: F401  (registers the commands)

    # The process's own settings, before anything starts CUDA; its workers inherit them.
    os.environ.update(allocator_environment(os.environ))

    # Started from a script or a job shell, SIGINT may arrive ignored; a user's Ctrl-C, or a
    # scheduler's SIGTERM, must still stop the run and remove its temporary files.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)

    try:
        status = app(standalone_mode=False)
    except typer.TyperException as error:  # a flag or value the command cannot parse
        context = getattr(error, "ctx", None)
        command = context.command_path if context is not None else "paintsundo"
        fail(f"{error.format_message()} (see `{command} --help`)", error.exit_code)
    except typer.Abort:
        status = INTERRUPTED
    except PaintsUndoError as error:
        fail(with_flag(error), 2)
    if status == INTERRUPTED and _stopped_by:  # the shell's convention: 128 + the signal's number
        status = 128 + _stopped_by[0]
    sys.exit(status if isinstance(status, int) else 0)


# The flags that set each of the library's settings, where the name differs from --<setting>.
FLAGS = {"user_keyframes": "--keyframe", "stage_weights": "--stages", "sketch": "SKETCH"}


def with_flag(error: PaintsUndoError) -> str:
    """The library's message, with the flag of the setting it concerns."""
    if error.setting is None:
        return str(error)
    flag = FLAGS.get(error.setting, f"--{error.setting.replace('_', '-')}")
    return f"{error} ({flag})"


def fail(message: str, status: int) -> NoReturn:
    """Print one `error:` line and leave with `status`."""
    errors.print(Text.assemble(("error:", "red"), f" {message}"))
    sys.exit(status)
