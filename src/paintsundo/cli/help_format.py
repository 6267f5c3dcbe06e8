"""The commands' help in click's conventions, where Typer's rich help departs from them.

Typer 0.29 shows a value placeholder for every option, so each flag, --help included, reads
`<bool>` as if it took a value; and it writes arguments in the usage line as `{image}` (required)
and `[image]`. Here a flag shows no placeholder and an argument is IMAGE, or [IMAGE] when it may be
left out, as in the command's own help text.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption


def _conventional_names(params: Iterable[Any]) -> None:
    for param in params:
        if isinstance(param, TyperArgument) and param.metavar is None:
            param.metavar = param.name.upper()
        elif isinstance(param, TyperOption) and param.is_flag:
            param.metavar = ""  # the rich help shows an option's metavar in place of its type


class _ConventionalNames:
    """A command or group whose parameters (its --help too) show conventional names."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _conventional_names(self.params)

    def get_help_option(self, ctx: typer.Context) -> TyperOption | None:
        option = super().get_help_option(ctx)
        _conventional_names([option])
        return option


class Command(_ConventionalNames, TyperCommand):
    def collect_usage_pieces(self, ctx: typer.Context) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if isinstance(param, TyperArgument):
                pieces.append(param.metavar if param.required else f"[{param.metavar}]")
            else:
                pieces.extend(param.get_usage_pieces(ctx))
        return pieces


class Group(_ConventionalNames, TyperGroup):
    pass


class Typer(typer.Typer):
    """A Typer app whose commands are `Command`s unless told otherwise."""

    def command(self, *args: Any, cls: type[TyperCommand] | None = None, **kwargs: Any) -> Any:
        return super().command(*args, cls=cls or Command, **kwargs)


def one_of(values: Iterable[str]) -> str:
    """The placeholder of an option with a fixed set of values, as Typer writes a choice's: the
    values themselves, which the library checks."""
    return f"<{'|'.join(values)}>"
