"""Every command's --help, as a user's terminal shows it: each option explained, a flag without a
value placeholder, an option with a fixed set of values showing them, arguments as IMAGE."""

from __future__ import annotations

import os
import subprocess

import pytest
import typer

from paintsundo.cli import app, batch, colorize, compiling, models, neural, run, webapp  # noqa: F401
from paintsundo.coloring.choices import (
    COLORIST_MEMORY_MODES,
    COLORIZE_ENGINES,
    COLORIZE_SHADINGS,
    CONTROL_NAMES,
)
from paintsundo.outputs import FORMATS
from paintsundo.undo.pipeline.settings import NEURAL_ENGINE_MEMORY_MODES, PRESET_STEPS
from paintsundo.undo.settings import ENGINES, WORKFLOWS

ROOT_COMMAND = typer.main.get_command(app)
COMMANDS = sorted(ROOT_COMMAND.commands)
NEURAL_CHOICES = {"memory": NEURAL_ENGINE_MEMORY_MODES, "preset": tuple(PRESET_STEPS)}
PROCEDURAL_CHOICES = {"engine": ENGINES, "workflow": WORKFLOWS, "format": FORMATS}
# The options whose values are a fixed set, with the set the library checks them against.
CHOICES = {
    "run": PROCEDURAL_CHOICES | NEURAL_CHOICES,
    "batch": PROCEDURAL_CHOICES
    | {"memory": NEURAL_ENGINE_MEMORY_MODES, "control": CONTROL_NAMES, "shading": COLORIZE_SHADINGS},
    "colorize": {
        "engine": COLORIZE_ENGINES,
        "shading": COLORIZE_SHADINGS,
        "control": CONTROL_NAMES,
        "memory": COLORIST_MEMORY_MODES,
    },
    "keyframes": NEURAL_CHOICES,
    "interpolate": NEURAL_CHOICES | {"format": FORMATS},
}


def shown_help(*command: str) -> str:
    """The help as printed, wide enough that no option's row wraps."""
    result = subprocess.run(
        ["paintsundo", *command, "--help"],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "300"},
        timeout=60,
    )
    assert result.returncode == 0 and result.stderr == "", result.stderr
    return result.stdout


def row_of(text: str, option: str) -> str:
    rows = [line for line in text.splitlines() if f" {option} " in line]
    assert len(rows) == 1, (option, rows)
    return rows[0]


def test_the_root_help_shows_its_flags_without_a_placeholder():
    text = shown_help()
    assert "<bool>" not in text
    assert "<" not in row_of(text, "--version").split("Print the version")[0]


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_explains_each_option_and_shows_its_values(name):
    command = ROOT_COMMAND.commands[name]
    text = shown_help(name)
    assert "<bool>" not in text
    usage = next(line for line in text.splitlines() if "Usage:" in line)
    for param in command.params:
        assert (param.help or "").strip(), f"{name} {param.name} has no help"
        if isinstance(param, typer.core.TyperArgument):
            upper = param.name.upper()
            assert (upper if param.required else f"[{upper}]") in usage.split(), usage
        elif param.is_flag:  # between its names and its help, no placeholder
            names = row_of(text, max(param.opts, key=len)).split(param.help[:20])[0]
            assert "<" not in names, names
    assert "{" not in usage
    for option, values in CHOICES.get(name, {}).items():
        assert f"<{'|'.join(values)}>" in row_of(text, f"--{option}"), (name, option)
