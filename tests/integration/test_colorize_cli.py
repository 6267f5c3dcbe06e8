"""`paintsundo colorize` as a new user meets it: options that would be ignored, inputs that cannot
be coloured, and where the video goes."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from sketches import STROKES, scribbles, shapes

# The suite's machine may have a GPU: without one, auto takes the procedural colourist.
NO_GPU = {**os.environ, "CUDA_VISIBLE_DEVICES": ""}
# As on the README's first install, which has no extras.
BASE_INSTALL = (
    "import sys\nfor name in ('torch', 'diffusers', 'transformers'): sys.modules[name] = None\n"
    "from paintsundo.cli import main\nmain()"
)


@pytest.fixture
def drawing(tmp_path):
    """shapes.png and its hints, shapes.hints.png, in a folder of their own."""
    sketch = shapes()
    Image.fromarray(sketch).save(tmp_path / "shapes.png")
    Image.fromarray(scribbles(sketch.shape, STROKES)).save(tmp_path / "shapes.hints.png")
    return tmp_path / "shapes.png", tmp_path / "shapes.hints.png"


def run_command(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["paintsundo", "colorize", *args], capture_output=True, text=True, timeout=120)


def one_error_line(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), lines
    return lines[0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--engine", "procedural", "--prompt", "1girl"], "--prompt is for the neural colourist"),
        (["--engine", "procedural", "--base", "foo"], "--base is for the neural colourist"),
        (["--engine", "procedural", "--no-keep-lines"], "--no-keep-lines is for the neural colourist"),
        (["--engine", "procedural", "--steps", "20"], "--steps is for the neural colourist"),
        (["--frames", "10"], "--frames sets the video, and none is asked for: add --video"),
        (["--fps", "8"], "--fps sets the video, and none is asked for: add --video"),
        (["--engine", "neural", "--shading", "cel"], "--shading is for the procedural colourist"),
        (["--shading", "flat"], "unknown shading 'flat': choose auto, soft, cel (--shading)"),
    ],
)
def test_options_that_would_be_ignored_are_refused(drawing, args, message):
    sketch, hints = drawing
    before = set(sketch.parent.iterdir())
    result = run_command(str(sketch), "--hints", str(hints), "-o", str(sketch.parent / "out.png"), *args)
    assert message in one_error_line(result)
    assert set(sketch.parent.iterdir()) == before, "no output"


@pytest.mark.parametrize(
    ("launch", "reason"),
    [
        (["paintsundo"], "auto: no GPU for the neural colourist"),
        ([sys.executable, "-c", BASE_INSTALL], "auto: the neural extra is not installed"),
    ],
)
def test_neural_options_auto_passed_over_are_named_with_the_true_reason(drawing, launch, reason):
    """Auto took the procedural colourist: the neural options given were not used, and the note and
    the manifest say why, not that no base model was given."""
    sketch, hints = drawing
    out = sketch.parent / "out.png"
    command = [*launch, "colorize", str(sketch), "--hints", str(hints), "-o", str(out), "--base", "foo"]
    command += ["--prompt", "1girl"]
    result = subprocess.run(command, capture_output=True, text=True, env=NO_GPU, timeout=120)
    assert result.returncode == 0, result.stderr
    note = f"note: --base, --prompt not used: the procedural colourist ran ({reason})"
    assert result.stderr.splitlines()[0] == note, result.stderr
    assert json.loads((sketch.parent / "out.png.json").read_text())["engine_reason"] == reason


def test_a_shading_preset_lights_every_candidate_with_its_edge(drawing):
    sketch, hints = drawing
    out = sketch.parent / "out.png"
    result = run_command(
        str(sketch), "--hints", str(hints), "-o", str(out), "--shading", "soft", "--count", "3"
    )
    assert result.returncode == 0, result.stderr
    manifest = json.loads((sketch.parent / "out.png.json").read_text())
    assert manifest["shading"] == "soft"
    descriptions = [entry["lighting"]["description"] for entry in manifest["candidates"]]
    assert descriptions == [
        "light from the left, soft",
        "light from above, soft",
        "light from the right, soft",
    ]


def test_a_sketch_with_neither_hints_nor_a_reference_is_refused_not_copied(drawing):
    from paintsundo.coloring.api import colorize
    from paintsundo.errors import PaintsUndoError

    sketch, _ = drawing
    result = run_command(str(sketch), "-o", str(sketch.parent / "out.png"), "--engine", "procedural")
    line = one_error_line(result)
    assert "give hints" in line and "or a reference picture" in line and "neural colourist" in line
    assert not (sketch.parent / "out.png").exists()
    with pytest.raises(PaintsUndoError, match="nothing to colour the sketch from"):
        colorize(sketch, engine="procedural")


def test_hints_flattened_onto_black_are_refused_and_onto_white_color(drawing):
    """A transparent scribble layer saved without its transparency: onto black, every region would
    take the black and the lines would be lost; onto white, the white is paper and no hint."""
    from paintsundo.coloring.procedural import colorize_layers

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


@pytest.mark.parametrize("video", ["new/", "existing"])
def test_a_video_into_a_folder_is_named_after_the_sketch(drawing, video):
    sketch, hints = drawing
    (sketch.parent / "existing").mkdir()
    folder = sketch.parent / video
    result = run_command(
        str(sketch), "--hints", str(hints), "-o", str(sketch.parent / "v2.png"),
        "--video", str(folder) + ("/" if video.endswith("/") else ""), "--frames", "8",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert sorted(path.name for path in folder.iterdir()) == [
        "shapes.mp4", "shapes.mp4.contact.png", "shapes.mp4.json"
    ]  # fmt: skip
    assert f"wrote {folder / 'shapes.mp4'}" in result.stderr
