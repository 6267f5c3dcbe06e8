"""`paintsundo colorize` as a new user meets it: options that would be ignored, inputs that cannot
be coloured, and where the video goes."""

from __future__ import annotations

import subprocess

import pytest
from PIL import Image

from test_colorize import STROKES, run_command, scribbles, shapes


@pytest.fixture
def drawing(tmp_path):
    """shapes.png and its hints, shapes.hints.png, in a folder of their own."""
    sketch = shapes()
    Image.fromarray(sketch).save(tmp_path / "shapes.png")
    Image.fromarray(scribbles(sketch.shape, STROKES)).save(tmp_path / "shapes.hints.png")
    return tmp_path / "shapes.png", tmp_path / "shapes.hints.png"


def one_error_line(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), lines
    return lines[0]


def test_a_sketch_with_neither_hints_nor_a_reference_is_refused_not_copied(drawing):
    from paintsundo.colorize import colorize
    from paintsundo.errors import PaintsUndoError

    sketch, _ = drawing
    result = run_command(str(sketch), "-o", str(sketch.parent / "out.png"), "--engine", "procedural")
    line = one_error_line(result)
    assert "give hints" in line and "or a reference picture" in line and "neural colourist" in line
    assert not (sketch.parent / "out.png").exists()
    with pytest.raises(PaintsUndoError, match="nothing to colour the sketch from"):
        colorize(sketch, engine="procedural")
