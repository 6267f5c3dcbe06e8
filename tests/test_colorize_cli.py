"""`paintsundo colorize` as a new user meets it: options that would be ignored, inputs that cannot
be coloured, and where the video goes."""

from __future__ import annotations

import subprocess

import numpy as np
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


def test_hints_flattened_onto_black_are_refused_and_onto_white_colour(drawing):
    """A transparent scribble layer saved without its transparency: onto black, every region would
    take the black and the lines would be lost; onto white, the white is paper and no hint."""
    from paintsundo.colorist import colorize_layers

    sketch, hints = drawing
    layer = Image.open(hints).convert("RGBA")
    for paper, name in [((0, 0, 0, 255), "black.png"), ((255, 255, 255, 255), "white.png")]:
        Image.alpha_composite(Image.new("RGBA", layer.size, paper), layer).convert("RGB").save(
            sketch.parent / name
        )
    flattened = sketch.parent / "black.png"
    result = run_command(str(sketch), "--hints", str(flattened), "-o", str(sketch.parent / "o.png"))
    line = one_error_line(result)
    assert "of the hints file is one colour (RGB 0, 0, 0)" in line and "transparent background" in line
    assert "--hints" in line and not (sketch.parent / "o.png").exists()
    drawn = np.asarray(Image.open(sketch).convert("RGB"))
    white = np.asarray(Image.open(sketch.parent / "white.png").convert("RGBA"))
    layers = colorize_layers(drawn, white, seed=1)
    assert tuple(np.rint(layers.flats[110, 90]).astype(int)) == STROKES[0][2], "the red circle"
