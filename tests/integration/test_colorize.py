"""The procedural colourist: line drawings and scribbles in, coloured layers, files and a video out."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import zipfile

import cv2
import numpy as np
import pytest
from PIL import Image

from conftest import ROOT, manifest_lines
from sketches import BLUE, GREEN, RED, STROKES, YELLOW, scribbles, shapes

TURTLE = ROOT / "tests" / "data" / "kinds" / "pencil-turtle.png"  # Apache-2.0, lllyasviel/ControlNet
PALETTE = ROOT / "examples" / "2.jpg"  # a reference: a sketch needs hints or one to be coloured
INSIDE = {(110, 90): RED, (140, 260): BLUE, (60, 400): GREEN, (110, 395): YELLOW, (250, 110): GREEN}
OUTSIDE = [(110, 160), (250, 20), (110, 188), (20, 470), (290, 300)]  # row, column: paper


def flat_at(layers, row: int, column: int) -> tuple:
    return (
        tuple(np.rint(layers.flats[row, column]).astype(int)) if layers.flats_opacity[row, column] else None
    )


@pytest.mark.parametrize("kind", ["ink", "pencil"])
def test_each_region_takes_its_scribble_and_nothing_bleeds(kind):
    from paintsundo.coloring.procedural import colorize_layers

    sketch = shapes(pencil=kind == "pencil", paper=255.0 if kind == "ink" else 236.0)
    layers = colorize_layers(sketch, scribbles(sketch.shape, STROKES), seed=1)
    for (row, column), color in INSIDE.items():
        assert flat_at(layers, row, column) == color, (row, column)
    for row, column in OUTSIDE:  # the gap is closed: the square's blue stays inside it
        assert flat_at(layers, row, column) is None, (row, column)
    picture = layers.composite().astype(int)
    paper = ~layers.flats_opacity.astype(bool)
    assert not (layers.shadows_opacity + layers.highlights_opacity)[paper].any(), "no shading on paper"
    # The lines stay as drawn: their layer over the paper gives the sketch back, but for paper grain
    # lighter than the paper's colour (pencil's paper is grainy).
    lighter = sketch.astype(int).min(axis=-1) > layers.lines.paper.min()
    same = paper & ~lighter
    assert np.abs(picture[same] - sketch[same]).max() <= 1
    assert np.abs(picture[paper & lighter] - sketch[paper & lighter]).max(initial=0) <= 10


def test_shading_is_a_darker_cooler_band_on_the_side_away_from_the_light():
    from paintsundo.coloring.procedural import colorize_layers

    sketch = shapes()
    layers = colorize_layers(sketch, scribbles(sketch.shape, STROKES), seed=3)
    circle = (np.indices(sketch.shape[:2]) - np.array([110, 90])[:, None, None]) ** 2
    inside = circle.sum(axis=0) < 55**2
    shadow = layers.shadows_opacity.astype(bool) & inside
    assert 0.05 < shadow.sum() / inside.sum() < 0.6
    rows, columns = np.nonzero(shadow)
    angle = np.deg2rad(layers.lighting.angle)  # where the light comes from, y down
    towards_light = (columns - 90) * np.cos(angle) + (rows - 110) * np.sin(angle)
    assert towards_light.mean() < -10, "shadows sit on the far side from the light"
    flat, dark = layers.flats[110, 90], layers.shadows[rows[0], columns[0]]
    assert dark.sum() < 0.9 * flat.sum() and dark[2] / dark.sum() > flat[2] / flat.sum(), "darker, bluer"


def test_a_real_line_drawing_is_colored_where_scribbled():
    from paintsundo.coloring.procedural import colorize_layers

    sketch = np.asarray(Image.open(TURTLE).convert("RGB"))
    strokes = [
        ((240, 200), (320, 220), GREEN),
        ((90, 235), (140, 250), YELLOW),
        ((40, 440), (120, 450), BLUE),
    ]
    layers = colorize_layers(sketch, scribbles(sketch.shape, strokes), seed=0)
    assert flat_at(layers, 215, 280) == GREEN, "the shell"
    assert flat_at(layers, 245, 110) == YELLOW, "the head"
    assert flat_at(layers, 20, 20) == BLUE, "the background, which reaches the border"
    assert flat_at(layers, 330, 150) is None, "the belly had no scribble: paper"
    shell = layers.regions == layers.regions[215, 280]
    assert 0.05 < shell.mean() < 0.25, "the shell's region stops at its lines"


def test_opaque_hints_count_where_they_differ_from_the_sketch():
    from paintsundo.coloring.procedural import colorize_layers

    sketch = shapes()
    painted = sketch.copy()
    cv2.line(painted, (80, 100), (100, 120), RED, 6)  # scribbled over a copy of the sketch
    opaque = np.dstack([painted, np.full(sketch.shape[:2], 255, np.uint8)])
    layers = colorize_layers(sketch, opaque, seed=1)
    assert flat_at(layers, 110, 90) == RED
    assert flat_at(layers, 140, 260) is None, "pixels equal to the sketch are no hint"


def test_a_reference_palette_colors_the_regions_no_hint_reaches():
    from paintsundo.coloring.procedural import colorize_layers

    sketch = shapes()
    reference = np.zeros((60, 90, 3), np.uint8)
    reference[:, :30], reference[:, 30:60], reference[:, 60:] = (
        (200, 40, 140),
        (30, 160, 160),
        (250, 240, 200),
    )
    hints = scribbles(sketch.shape, STROKES[:1])
    layers = colorize_layers(sketch, hints, reference, seed=2)
    palette = {(200, 40, 140), (30, 160, 160), (250, 240, 200)}
    assert flat_at(layers, 110, 90) == RED, "a hint wins over the palette"
    for row, column in [(140, 260), (60, 400), (250, 110)]:
        color = flat_at(layers, row, column)
        assert color is not None and min(np.abs(np.subtract(color, p)).sum() for p in palette) <= 6
    without = colorize_layers(sketch, hints, seed=2)
    assert flat_at(without, 140, 260) is None, "without a reference, they stay paper"


def test_candidates_differ_by_seed_and_repeat_with_it():
    from paintsundo.coloring.procedural import colorize_layers

    sketch = shapes()
    hints = scribbles(sketch.shape, STROKES)
    pictures = [colorize_layers(sketch, hints, seed=seed).composite() for seed in (5, 6, 7, 5)]
    assert np.array_equal(pictures[0], pictures[3])
    assert len({picture.tobytes() for picture in pictures[:3]}) == 3


@pytest.fixture(scope="module")
def turtle_files(tmp_path_factory):
    """The turtle, its hints file, and a run of the command over them with every output."""
    folder = tmp_path_factory.mktemp("colorize")
    sketch = np.asarray(Image.open(TURTLE).convert("RGB"))
    strokes = [((240, 200), (320, 220), GREEN), ((90, 235), (140, 250), YELLOW)]
    Image.fromarray(scribbles(sketch.shape, strokes)).save(folder / "turtle.hints.png")
    result = run_command(
        str(TURTLE), "-o", str(folder / "turtle.png"), "--hints", str(folder / "turtle.hints.png"),
        "--count", "3", "--layers", "--video", str(folder / "turtle.mp4"), "--frames", "24",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return folder


def run_command(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["paintsundo", "colorize", *args], capture_output=True, text=True, timeout=120)


def test_the_command_writes_candidates_sheet_manifest_layers_and_video(turtle_files):
    import av

    from paintsundo.outputs.openraster import read_openraster

    names = {path.name for path in turtle_files.iterdir()}
    expected = {"turtle.png", "turtle.seed12346.png", "turtle.seed12347.png", "turtle.png.contact.png"}
    assert expected | {"turtle.png.json", "turtle.ora", "turtle.mp4", "turtle.mp4.json"} <= names
    manifest = json.loads((turtle_files / "turtle.png.json").read_text())
    assert [entry["seed"] for entry in manifest["candidates"]] == [12345, 12346, 12347]
    assert manifest["inputs"]["sketch"]["size"] == [480, 480] and manifest["inputs"]["hints"]
    with Image.open(turtle_files / "turtle.png") as picture:
        assert picture.size == (480, 480)
        assert "Machine-coloured" in picture.info["Description"]
        colored = np.asarray(picture.convert("RGB"))
    with zipfile.ZipFile(turtle_files / "turtle.ora") as archive:
        first = archive.infolist()[0]
        assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
        assert archive.read("mimetype") == b"image/openraster"
        assert "Thumbnails/thumbnail.png" in archive.namelist()
    layers, merged = read_openraster(turtle_files / "turtle.ora")
    assert [name for name, _ in layers] == ["paper", "flats", "shadows", "highlights", "lines"]
    assert np.array_equal(merged, colored)
    stacked = np.zeros((480, 480, 3))  # the layers laid over one another give the picture back
    for _, pixels in layers:
        alpha = pixels[..., 3:] / 255.0
        stacked = stacked * (1 - alpha) + pixels[..., :3] * alpha
    assert np.abs(stacked - colored).max() <= 3
    with av.open(str(turtle_files / "turtle.mp4")) as container:
        assert sum(1 for _ in container.decode(video=0)) == 24 + 4  # and the one-second hold


def test_the_video_runs_from_blank_through_the_lines_to_the_picture():
    from paintsundo.coloring.api import coloring_process
    from paintsundo.coloring.procedural import colorize_layers
    from paintsundo.undo.settings import Settings

    sketch = np.asarray(Image.open(TURTLE).convert("RGB"))
    layers = colorize_layers(sketch, scribbles(sketch.shape, [((240, 200), (320, 220), GREEN)]), seed=4)
    process = coloring_process(layers, Settings(frames=40, seed=4))
    assert [stage.name for stage in process.stages] == ["lineart", "flat", "shading", "highlights"]
    assert (process.frame(0) == 255).all()
    lines_done = process.timeline.stage("lineart").end - 1
    inked = process.frame(lines_done).min(axis=-1) < 128
    lines = sketch.min(axis=-1) < 128
    # The lines are inked stroke by stroke along the sketch's own: by the end of the stage they lie
    # on them (its lines' every dark pixel within a pixel or two of ink), in no colour yet.
    near_ink = cv2.dilate(inked.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    assert (
        (near_ink[lines]).mean() > 0.95
        and (inked & ~cv2.dilate(lines.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)).mean()
        < 0.002
    )
    frame = process.frame(lines_done).astype(np.int16)
    assert np.abs(frame - frame.mean(axis=-1, keepdims=True)).max() < 40, "no colour before the flats"
    assert np.array_equal(process.frame(lines_done // 2), process.frame(lines_done)) is False
    assert np.array_equal(process.frame(len(process) - 1), layers.composite())


@pytest.mark.parametrize(
    ("make_args", "message"),
    [
        (lambda d: [str(d / "blank.png"), "--reference", str(PALETTE)], "the sketch has no lines"),
        (
            lambda d: [str(TURTLE), "--hints", str(d / "small.png")],
            "the hints are 100x80 but the sketch is 480x480",
        ),
        (
            lambda d: [str(ROOT / "examples" / "1.jpg"), "--reference", str(PALETTE)],
            "does not look like a line drawing",
        ),
        (lambda d: [str(TURTLE), "--hints", str(d / "empty.png")], "the hints file has no scribbles"),
        (lambda d: ["--hints", str(d / "empty.png")], "Missing argument 'SKETCH'"),
        (lambda d: [str(TURTLE), "--engine", "neural"], "the neural colourist needs a base model"),
    ],
)
def test_bad_input_gets_one_error_line_and_no_output(tmp_path, make_args, message):
    Image.new("RGB", (120, 90), "white").save(tmp_path / "blank.png")
    Image.new("RGBA", (100, 80), (0, 0, 0, 0)).save(tmp_path / "small.png")
    Image.new("RGBA", (480, 480), (0, 0, 0, 0)).save(tmp_path / "empty.png")
    before = set(tmp_path.iterdir())
    out = tmp_path / "out"
    result = run_command(
        *make_args(tmp_path), "-o", str(out / "x.png"), "--layers", "--video", str(out / "x.mp4")
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and message.lower() in lines[0].lower(), lines
    assert set(tmp_path.iterdir()) == before, "no partial output"


def test_a_coloring_batch_finds_hints_by_name_and_resumes(tmp_path):
    from paintsundo.batch import ColorizeJob, run_batch
    from paintsundo.undo.settings import Settings

    sketches = tmp_path / "in"
    sketches.mkdir()
    sketch = shapes()
    Image.fromarray(sketch).save(sketches / "shapes.png")
    Image.fromarray(scribbles(sketch.shape, STROKES[:1])).save(sketches / "shapes.hints.png")
    Image.fromarray(shapes(ink=60.0)).save(sketches / "plain.png")  # no hints: nothing to colour from
    out = tmp_path / "out"
    job = ColorizeJob(layers=True)
    first = run_batch(str(sketches), out, Settings(frames=12), colorize=job)
    assert (first.done, first.failed, first.skipped) == (1, 1, 0), "the hints file is not a sketch"
    assert {"shapes.png", "shapes.ora", "batch.jsonl"} <= {p.name for p in out.iterdir()}
    assert not (out / "shapes.hints.png").exists() and not (out / "plain.png").exists(), "never a copy"
    plain = next(line for line in manifest_lines(out / "batch.jsonl") if line["input"].endswith("plain.png"))
    assert plain["status"] == "failed" and "paint its scribbles into plain.hints.png" in plain["error"]
    with Image.open(out / "shapes.png") as picture:
        assert np.asarray(picture.convert("RGB"))[110, 90].tolist() != [255, 255, 255], "the red circle"
    again = run_batch(str(sketches), out, Settings(frames=12), colorize=job)
    assert (again.done, again.failed, again.skipped) == (0, 1, 1), "each sketch counted once"
    Image.fromarray(scribbles(sketch.shape, STROKES[:2])).save(sketches / "shapes.hints.png")
    changed = run_batch(str(sketches), out, Settings(frames=12), colorize=job)
    assert (changed.done, changed.failed, changed.skipped) == (1, 1, 0), "new hints, coloured again"
    assert json.loads((out / "shapes.png.json").read_text())["shading"] == "auto"
    cel = run_batch(str(sketches), out, Settings(frames=12), colorize=dataclasses.replace(job, shading="cel"))
    assert (cel.done, cel.failed, cel.skipped) == (1, 1, 0), "another shading, coloured again"
    assert json.loads((out / "shapes.png.json").read_text())["shading"] == "cel"


def test_two_scribbles_in_one_region_divide_it_along_a_line_that_stops_short():
    """LazyBrush's soft barriers: a line that does not close a region still guides where one
    scribble's colour gives way to the other's."""
    from paintsundo.coloring.procedural import colorize_layers

    sketch = np.full((240, 240, 3), 255, np.uint8)
    cv2.circle(sketch, (120, 120), 100, (0, 0, 0), 3)
    cv2.line(sketch, (20, 120), (180, 120), (0, 0, 0), 3)  # stops 40 pixels short of the right side
    hints = scribbles(sketch.shape, [((80, 70), (120, 70), RED), ((80, 170), (120, 170), BLUE)])
    layers = colorize_layers(sketch, hints, seed=0)
    assert flat_at(layers, 100, 60) == RED and flat_at(layers, 100, 170) == RED
    assert flat_at(layers, 140, 60) == BLUE and flat_at(layers, 140, 170) == BLUE
    assert flat_at(layers, 10, 10) is None, "the paper around the circle stays paper"


def test_a_sketch_painted_over_and_saved_as_jpeg_gives_clean_hints(tmp_path):
    """JPEG's ringing along the lines and its blocks of noise are no scribbles."""
    from paintsundo.coloring.procedural import colorize_layers

    sketch = np.asarray(Image.open(TURTLE).convert("RGB"))
    painted = sketch.copy()
    for start, end, color in [((240, 200), (320, 220), GREEN), ((90, 235), (140, 250), YELLOW)]:
        cv2.line(painted, start, end, color, 7)
    Image.fromarray(painted).save(tmp_path / "painted.jpg", quality=80)
    hints = np.asarray(Image.open(tmp_path / "painted.jpg").convert("RGBA"))
    layers = colorize_layers(sketch, hints, seed=0)
    for (row, column), color in {(215, 280): GREEN, (245, 110): YELLOW}.items():
        assert np.abs(np.subtract(flat_at(layers, row, column), color)).max() <= 24
    # Specks and slivers between close lines take their neighbour's colour; none took the noise's,
    # and the regions without a scribble stay paper.
    colored = layers.flats_opacity.astype(bool)
    off = np.abs(layers.flats[colored][:, None] - np.array([GREEN, YELLOW], np.float32)).max(axis=-1)
    assert off.min(axis=1).max() <= 24
    assert flat_at(layers, 20, 20) is None and flat_at(layers, 330, 150) is None
