"""Each workflow draws like its kind of artist, and `auto` tells the kinds apart from the picture."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from kinds import KINDS, MADE, flat_graphic, landscape_painting, pencil_drawing
from paintsundo.errors import PaintsUndoError
from paintsundo.picture import load_picture
from paintsundo.undo.procedural import WORKFLOW_NAMES, DrawingProcess
from paintsundo.undo.procedural.choice import choose_workflow
from paintsundo.undo.procedural.workflows import workflows


def lab(frame: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(frame.astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab)


def stage(process: DrawingProcess, name: str):
    return next(item for item in process.stages if item.name == name)


@pytest.mark.parametrize("name", WORKFLOW_NAMES)
def test_each_workflow_runs_its_stages_from_blank_to_the_picture(name):
    picture = MADE.get(name, landscape_painting)()
    process = DrawingProcess(picture, frames=48, seed=4, workflow=name)
    assert [item.name for item in process.stages] == list(workflows()[name].stages)
    assert process.choice == {"workflow": name, "reason": "asked for"}
    assert (process.frame(0) == 255).all()
    np.testing.assert_array_equal(process.frame(47), picture)
    again = DrawingProcess(picture, frames=48, seed=4, workflow=name)
    other = DrawingProcess(picture, frames=48, seed=5, workflow=name)
    for index in (10, 25, 40):
        np.testing.assert_array_equal(process.frame(index), again.frame(index))
    assert any((process.frame(i) != other.frame(i)).any() for i in (10, 25, 40)), "seeds matter"


@pytest.mark.parametrize(
    ("kind", "expected"), [("painting", "painting"), ("graphic", "graphic"), ("pencil", "pencil")]
)
def test_auto_tells_made_pictures_apart(kind, expected):
    name, reason, features = choose_workflow(MADE[kind]())
    assert name == expected, (reason, features)
    process = DrawingProcess(MADE[kind](), frames=12, seed=0)
    assert process.choice["workflow"] == expected and process.choice["reason"].startswith("auto: ")
    assert set(process.choice["features"]) == {
        "chroma",
        "paper",
        "flat",
        "colours",
        "ink",
        "texture",
        "solid",
    }


def test_auto_picks_cel_for_the_bundled_examples(example_paths):
    for path in example_paths:
        for size in ("256", None):
            assert choose_workflow(load_picture(path, size).pixels)[0] == "cel", path


@pytest.mark.parametrize("path", sorted(KINDS.glob("*-*.*")), ids=lambda path: path.stem)
def test_auto_picks_each_real_pictures_kind(path):
    """Paintings with dark brushwork are not line art, a black silhouette is not a pencil drawing."""
    for size in ("192", "320", None):
        name, reason, _ = choose_workflow(load_picture(path, size).pixels)
        assert name == path.name.split("-")[0], (size, reason)


def test_stages_are_named_per_workflow():
    picture = landscape_painting()
    process = DrawingProcess(picture, frames=40, seed=0, workflow="painting", stage_weights={"accents": 0})
    assert stage(process, "accents").frames == 0
    with pytest.raises(PaintsUndoError, match="the painting workflow has no stage 'sketch'"):
        DrawingProcess(picture, frames=40, seed=0, workflow="painting", stage_weights={"sketch": 1})


def test_painting_has_no_lines_before_its_last_stage_and_works_back_to_front():
    picture = landscape_painting()
    process = DrawingProcess(picture, frames=60, seed=2, workflow="painting", behaviours=frozenset())
    final = lab(picture)
    accents = stage(process, "accents")
    for index in range(1, accents.start):
        frame = lab(process.frame(index))
        lines = (frame[..., 0] < final[..., 0] - 25) & (final[..., 0] > 35)
        # (A dark stroke may run a little past its zone before the next zone's paint covers it.)
        assert lines.mean() < 0.005, f"dark marks where the picture is not dark, frame {index}"
    height, width = picture.shape[:2]
    sky = (slice(0, height // 5), slice(0, width))
    house = (slice(int(0.8 * height), int(0.9 * height)), slice(int(0.57 * width), int(0.73 * width)))

    def settled(area) -> int:
        for index in range(len(process)):
            if np.linalg.norm(lab(process.frame(index))[area] - final[area], axis=-1).mean() < 6:
                return index
        return len(process)

    assert settled(sky) < settled(house), "the soft, far sky is done before the sharp red house"


@pytest.mark.parametrize("name", ["painting", "graphic", "pencil"])
def test_paint_never_goes_back_to_canvas_and_colour_opens_no_holes(name):
    """What gets its colour keeps it (white clouds are not the canvas showing through); a graphic's
    flat colour has no white holes in it."""
    picture = MADE[name]()
    process = DrawingProcess(picture, frames=60, seed=3, workflow=name, behaviours=frozenset())
    painted_before = np.zeros(picture.shape[:2], bool)
    # Construction marks are meant to fade; only what the picture itself has must stay.
    coloured = picture.min(axis=-1) < 235
    if process.plan is None:  # a workflow of reveal times (not marks) has a sketch layer to fade
        coloured &= ~np.isfinite(process.reveal.sketch)
    for index in range(1, len(process)):
        frame = process.frame(index)
        # Marks cannot take paint back off but by erasing, and a light stroke is still paint.
        painted = (
            (frame.min(axis=-1) < 235) if process.plan is None else (frame < 255).any(axis=-1)
        ) & coloured
        assert not (painted_before & ~painted).any(), f"paint went back to canvas on frame {index}"
        painted_before |= painted
        if name != "graphic":  # a pencil drawing is all holes; a block-in shows canvas between strokes
            continue
        contours, _ = cv2.findContours(painted.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        outline = np.zeros(painted.shape, np.uint8)
        cv2.drawContours(outline, contours, -1, 1, thickness=cv2.FILLED)
        assert ((outline > 0) & ~painted).mean() < 0.003, f"white holes in the paint on frame {index}"


def test_graphic_shapes_go_down_in_their_final_colours():
    """Shapes stack, as in a vector program: what is painted is always one of the picture's own flat
    colours (a shape's, perhaps under one still to come), never a rough or blended one."""
    picture = flat_graphic()
    process = DrawingProcess(picture, frames=40, seed=1, workflow="graphic", behaviours=frozenset())
    palette = np.unique(picture.reshape(-1, 3), axis=0).astype(np.int16)
    even = cv2.erode((cv2.Canny(picture, 10, 30) == 0).astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    for index in range(1, stage(process, "finish").start):
        frame = process.frame(index).astype(np.int16)
        painted = (frame != 255).any(axis=-1) & even
        nearest = np.abs(frame[painted][:, None, :] - palette[None]).max(axis=-1).min(axis=1)
        assert (nearest > 12).mean() < 0.005, f"a colour the picture does not have, frame {index}"


def test_pencil_construction_is_drawn_first_then_fades():
    picture = pencil_drawing()
    process = DrawingProcess(picture, frames=60, seed=3, workflow="pencil", behaviours=frozenset())
    construction, tone = stage(process, "construction"), stage(process, "tone")
    marks = (process.frame(construction.end - 1).min(axis=-1) < 235) & (picture.min(axis=-1) > 230)
    assert marks.mean() > 0.002, "construction marks where the finished drawing has none"
    lines = stage(process, "lines")
    darkness = [255 - process.frame(i).min(axis=-1)[marks].mean() for i in (lines.start, lines.end - 1)]
    assert darkness[1] < darkness[0], "they fade while the clean lines go down"
    assert process.frame(tone.start).min(axis=-1)[marks].mean() > 240, "and are put away for the tone"


def near_boundaries(process: DrawingProcess, marks: np.ndarray, reach: int = 4) -> float:
    """The share of marked pixels within `reach` pixels of a boundary in the finished picture: an
    edge, or a border between its colour regions."""
    pixels = process.frame(len(process) - 1)
    grey = cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY)
    boundaries = cv2.Canny(cv2.GaussianBlur(grey, (0, 0), 2.0), 30, 80) > 0
    regions = process.layers.regions
    boundaries[:, 1:] |= regions[:, 1:] != regions[:, :-1]
    boundaries[1:] |= regions[1:] != regions[:-1]
    near = cv2.dilate(boundaries.astype(np.uint8), np.ones((2 * reach + 1, 2 * reach + 1), np.uint8)) > 0
    return float((marks & near).sum() / max(1, marks.sum()))


@pytest.mark.parametrize("name", ["cel", "pencil"])
def test_sketch_strokes_follow_the_pictures_forms(example_paths, name):
    """After the construction (the pencil's own stage; the cel sketch's first quarter), the sketch
    strokes lie on the picture's forms."""
    pixels = load_picture(example_paths[0]).pixels if name == "cel" else pencil_drawing(640, 512)
    process = DrawingProcess(pixels, frames=40, seed=0, workflow=name)
    if name == "pencil":  # the contours, which stay on the paper
        times, first, last = process.reveal.ground, process.stages[1].start, process.stages[1].end
    else:
        sketch = process.stages[0]
        times, first, last = process.reveal.sketch, sketch.start + 0.3 * sketch.frames, sketch.end
    strokes = (times < last) & (times >= first)
    assert strokes.mean() > 0.002
    assert near_boundaries(process, strokes) >= 0.7


def test_cel_sketch_starts_from_construction_ellipses(example_paths):
    """Light ellipses round the figure's masses come first, before any stroke of the forms."""
    process = DrawingProcess(load_picture(example_paths[1]).pixels, frames=60, seed=2, workflow="cel")
    sketch = process.stages[0]
    early = process.reveal.sketch < sketch.start + 0.25 * sketch.frames
    assert early.mean() > 0.002, "construction is drawn first"
    darkening = process.reveal.sketch_darkening.mean(axis=-1)
    strokes = process.reveal.sketch >= sketch.start + 0.3 * sketch.frames
    assert np.median(darkening[early]) < np.median(darkening[strokes & (darkening > 0)]), "and lighter"
