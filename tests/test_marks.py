"""The canvas lays marks: strokes along their paths, fills over their areas, erases and finishing touches."""

import numpy as np
import pytest

from paintsundo.procedural.canvas import Canvas, View
from paintsundo.procedural.marks import Area, Mark, count_by_kind, fill, stroke

RED = (200.0, 30.0, 40.0)


def _picture(height: int = 40, width: int = 60) -> np.ndarray:
    rng = np.random.default_rng(1)
    return rng.integers(0, 256, (height, width, 3), dtype=np.uint8)


def test_a_stroke_is_laid_along_its_path_over_its_frames():
    path = np.array([[5, 20], [55, 20]], np.float32)
    canvas = Canvas(_picture(), [stroke(path, 6.0, RED, start=1, end=4)])
    halfway, done = canvas.frame(2), canvas.frame(4)
    painted = np.abs(done - RED).max(axis=-1) < 1
    assert painted[20, 10] and painted[20, 50] and not painted[5, 30]
    # Two of four frames in, the start of the path is painted and its end is still paper.
    assert np.abs(halfway[20, 8] - RED).max() < 1 and halfway[20, 52].min() == 255


def test_every_pixel_is_paper_or_a_marks_colour_and_a_fill_has_no_holes():
    mask = np.zeros((40, 60), bool)
    mask[10:30, 10:50] = True
    marks = [fill(Area.from_mask(mask), (30, 90, 200), start=1), stroke([[0, 5], [59, 5]], 3, RED, 2, 2)]
    shown = Canvas(_picture(), marks).frame(3)
    assert np.all(shown[10:30, 10:50] == (30, 90, 200))
    colours = {tuple(pixel) for pixel in shown.reshape(-1, 3).round(3)}
    mixes = [c for c in colours if c not in {(255, 255, 255), (30, 90, 200), RED}]
    # Only the stroke's anti-aliased edge lies between its colour and the paper.
    for red, green, blue in mixes:
        share = (255 - red) / (255 - RED[0])
        assert abs(255 - share * (255 - RED[1]) - green) < 1 and abs(255 - share * (255 - RED[2]) - blue) < 1


def test_an_erase_takes_paint_back_to_paper():
    mask = np.ones((40, 60), bool)
    marks = [
        fill(Area.from_mask(mask), RED, start=1),
        stroke([[10, 20], [50, 20]], 8, (0, 0, 0), 2, 2, kind="erase"),
    ]
    shown = Canvas(_picture(), marks).frame(2)
    assert np.all(shown[20, 15:45] == 255) and np.all(shown[5, 5] == RED)


def test_finishing_touches_reach_the_picture_exactly_and_replaying_gives_the_same_frames():
    picture = _picture()
    everything = Area.from_mask(np.ones(picture.shape[:2], bool))
    marks = [
        stroke([[3, 3], [50, 30]], 5, RED, 1, 3, grain=0.5),
        Mark("finish", "finish", 5, 5, area=everything),
    ]
    canvas = Canvas(picture, marks, seed=3)
    frames = [canvas.frame(index) for index in range(6)]
    assert np.array_equal(frames[-1].astype(np.uint8), picture)
    replayed = Canvas(picture, marks, seed=3)
    assert all(np.array_equal(replayed.frame(i), frame) for i, frame in enumerate(frames))
    assert np.array_equal(canvas.frame(2), frames[2])  # going back replays from the start


def test_the_sketch_and_lines_layers_are_shown_as_the_view_says():
    marks = [stroke([[5, 10], [55, 10]], 4, (0, 0, 255), 1, 1, layer="sketch")]
    canvas = Canvas(_picture(), marks)
    assert canvas.frame(1, View(sketch_opacity=1.0))[10, 30, 0] < 1
    assert canvas.frame(1, View(sketch_opacity=0.0))[10, 30, 0] == 255


def test_bad_marks_are_refused_and_counted_by_kind():
    with pytest.raises(ValueError):
        Mark("smudge", "paint", 0, 1, path=np.zeros((2, 2), np.float32))
    with pytest.raises(ValueError):
        stroke([[0, 0], [1, 1]], 1, RED, 3, 2)
    counts = count_by_kind([stroke([[0, 0], [1, 1]], 1, RED, 1, 2)])
    assert counts["stroke"] == 1 and counts["fill"] == 0
