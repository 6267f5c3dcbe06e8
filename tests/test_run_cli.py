"""`paintsundo run`: what a new user's second hour of mistakes gets back (issue 35)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

TINY = ["--frames", "8", "--size", "64"]


def paintsundo(*args: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["paintsundo", *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=120
    )


def one_error_line(result: subprocess.CompletedProcess) -> str:
    """The run failed as a user's mistake: exit 2 and one `error:` line, no traceback."""
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


def help_text(command: str) -> str:
    """A command's help as running text: Rich's box and line breaks taken out."""
    shown = paintsundo(command, "--help").stdout
    return " ".join(shown.replace("│", " ").split())


@pytest.mark.parametrize(
    ("stages", "message"),
    [
        ("sketch=1e308,detail=1e-308", "stage weight sketch=1e+308 is out of range"),
        ("sketch=inf", "stage weight sketch=inf is out of range"),
        ("sketch=nan", "stage weight sketch=nan is out of range"),
        ("detail=-1", "stage weight detail=-1 is out of range"),
        ("sketch=0.3,sketch=0.5", "stage 'sketch' is named twice"),
    ],
)
def test_stage_weights_out_of_range_or_named_twice_are_refused(small_png, tmp_path, stages, message):
    result = paintsundo("run", str(small_png), *TINY, "--stages", stages, cwd=tmp_path)
    line = one_error_line(result)
    assert message in line and line.endswith("(--stages)"), line
    if "range" in message:
        assert "from 0.001 to 1000" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["picture.png"]


def test_the_widest_stage_weights_allowed_draw(small_png, tmp_path):
    out = tmp_path / "wide.gif"
    result = paintsundo("run", str(small_png), "-o", str(out), *TINY, "--stages", "sketch=1000,detail=0.001")
    assert result.returncode == 0, result.stderr
    assert out.is_file()


def test_the_stages_help_lists_only_the_stages_run_accepts():
    shown = help_text("run")
    assert "pencil construction, contours, lines, tone." in shown, shown
    assert "colouring" not in shown and "highlights" not in shown
