"""The canvas lays marks: strokes along their paths, fills over their areas, erases and finishing touches."""

import cv2
import numpy as np
import pytest

from paintsundo.undo.procedural.canvas import Canvas, View
from paintsundo.undo.procedural.marks import Area, Mark, count_by_kind, fill, stroke

RED = (200.0, 30.0, 40.0)
WORKFLOWS = ("cel", "painting", "graphic", "pencil")


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


def test_every_pixel_is_paper_or_a_marks_color_and_a_fill_has_no_holes():
    mask = np.zeros((40, 60), bool)
    mask[10:30, 10:50] = True
    marks = [fill(Area.from_mask(mask), (30, 90, 200), start=1), stroke([[0, 5], [59, 5]], 3, RED, 2, 2)]
    shown = Canvas(_picture(), marks).frame(3)
    assert np.all(shown[10:30, 10:50] == (30, 90, 200))
    colors = {tuple(pixel) for pixel in shown.reshape(-1, 3).round(3)}
    mixes = [c for c in colors if c not in {(255, 255, 255), (30, 90, 200), RED}]
    # Only the stroke's anti-aliased edge lies between its colour and the paper (to within the
    # rounding of OpenCV's 8-bit anti-aliasing, which blends some edge pixels twice).
    paper, red = np.full(3, 255.0), np.asarray(RED)
    for mix in np.array(mixes):
        share = np.clip(np.dot(mix - paper, red - paper) / np.dot(red - paper, red - paper), 0, 1)
        assert np.linalg.norm(paper + share * (red - paper) - mix) < 6, mix


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
        stroke([[3, 3], [50, 30]], 5, RED, 1, 3),
        Mark("finish", "finish", 5, 5, area=everything),
    ]
    canvas = Canvas(picture, marks)
    frames = [canvas.frame(index) for index in range(6)]
    assert np.array_equal(frames[-1].astype(np.uint8), picture)
    replayed = Canvas(picture, marks)
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


def test_brushstrokes_run_along_the_isophotes_in_one_color_each():
    from paintsundo.undo.procedural.brushwork import plan_brushstrokes, reference_at

    # Light changes from left to right only, so the isophotes (and the strokes) run up and down.
    ramp = np.repeat(np.linspace(0, 255, 120, dtype=np.float32)[None, :, None], 3, axis=2)
    picture = np.repeat(ramp, 100, axis=0)
    reference = reference_at(picture, 6)
    paper = np.full_like(picture, 255.0)
    strokes = plan_brushstrokes(reference, paper, 6.0, 20.0, np.random.default_rng(0))
    # (At the left and right borders the gradient is lost, and a stroke may set off any way.)
    long_ones = [path for path in strokes.paths if len(path) >= 3 and 3 <= path[0, 0] <= 116]
    assert len(long_ones) > 20
    for path in long_ones:
        spread = np.ptp(path, axis=0)
        assert spread[1] > 3 * spread[0]
    starts = np.array([path[0] for path in strokes.paths]).astype(int)
    assert np.allclose(strokes.colors, reference[starts[:, 1], starts[:, 0]])
    # Where the paper is already the picture's colour, no stroke starts.
    assert starts[:, 0].max() < 118


def test_a_painter_blocks_zones_in_back_to_front_leaving_the_rest_bare():
    from paintsundo.timeline import Stage
    from paintsundo.undo.procedural.painterly import block_in
    from paintsundo.undo.procedural.plan import Hand

    picture = np.zeros((90, 120, 3), np.float32)
    picture[:, :60] = (200, 40, 40)
    picture[:, 60:] = (40, 40, 200)
    zones = np.zeros((90, 120), np.int32)
    zones[:, 60:] = 1
    marks = block_in(
        picture, zones, np.array([1, 0]), Hand(Stage("block-in", 1, 41)), np.random.default_rng(0)
    )
    canvas = Canvas(picture.astype(np.uint8), marks)
    early = canvas.frame(15)
    assert np.all(early[:, :50] == 255)  # the near zone is not reached yet
    assert (np.abs(early[:, 70:] - (40, 40, 200)).max(axis=-1) < 30).mean() > 0.3
    assert all(mark.kind == "stroke" and mark.start < 41 for mark in marks)


def process_of_kind(name: str, example_paths, frames: int = 40):
    """A workflow's process, with no habits to warp the view, on a picture of its kind: a bundled
    example for cel, a made picture for the others."""
    from kinds import MADE
    from paintsundo.picture import load_picture
    from paintsundo.undo.procedural import DrawingProcess

    picture = load_picture(example_paths[0], "256").pixels if name == "cel" else MADE[name]()
    return picture, DrawingProcess(picture, frames=frames, seed=2, workflow=name, behaviours=frozenset())


@pytest.mark.parametrize("name", WORKFLOWS)
def test_every_frame_is_made_of_marks(example_paths, name):
    """Replaying the plan's marks and touches on a fresh canvas, with the plan's sketch opacity, gives
    every frame of the process back: nothing else is drawn."""
    picture, process = process_of_kind(name, example_paths)
    plan = process.plan
    counts = plan.counts()
    assert sum(counts.values()) - counts["finish"] > 10 and counts["finish"] > 0
    replay = Canvas(picture, plan.marks, plan.touches, plan.reserved)
    for index in range(len(process)):
        sketch = 1.0 if plan.sketch_opacity is None else float(plan.sketch_opacity[index])
        shown = cv2.convertScaleAbs(replay.frame(index, View(sketch_opacity=sketch)))
        np.testing.assert_array_equal(shown, process.frame(index), err_msg=f"frame {index}")


def blends_explained(frame: np.ndarray, colors: np.ndarray, tolerance: float = 12.0) -> np.ndarray:
    """Which pixels (h w bool) are within `tolerance` of one of `colours` (k 3), or of a blend of two
    of the colours found so near them within 3 pixels: a mark's anti-aliased edge over another, or
    a bristle brush's thin streak over what is under it."""
    from scipy.spatial import cKDTree

    height, width = frame.shape[:2]
    distance, nearest = cKDTree(colors).query(frame.reshape(-1, 3).astype(np.float32))
    pure, nearest = (distance <= tolerance).reshape(height, width), nearest.reshape(height, width)
    explained = pure.copy()
    for y, x in zip(*np.nonzero(~pure), strict=True):
        window = (slice(max(0, y - 3), y + 4), slice(max(0, x - 3), x + 4))
        near = colors[np.unique(nearest[window][pure[window]])]
        one, other = near[:, None], near[None]
        span = other - one
        share = np.clip(((frame[y, x] - one) * span).sum(-1) / np.maximum((span * span).sum(-1), 1e-9), 0, 1)
        gap = np.linalg.norm(one + share[..., None] * span - frame[y, x], axis=-1)
        explained[y, x] = gap.size > 0 and gap.min() <= tolerance
    return explained


@pytest.mark.parametrize("name", WORKFLOWS)
def test_one_color_per_mark_until_the_finishing_touches(example_paths, name):
    """Every mark has one colour. Half way through, before any finishing touch, every pixel is paper,
    a laid mark's colour, a translucent mark's colour over paper or paint (once or a few times
    over), or an anti-aliased blend of two such colours found next to it: none is the picture's."""
    _, process = process_of_kind(name, example_paths)
    plan = process.plan
    for mark in plan.marks:
        assert isinstance(mark.color, tuple) and len(mark.color) == 3
        assert all(isinstance(value, float) and 0 <= value <= 255 for value in mark.color)
    middle = round(0.5 * (len(process) - 1))
    assert not plan.touches.laid_by(middle).any(), "the finishing touches come last"
    sketch = 1.0 if plan.sketch_opacity is None else float(plan.sketch_opacity[middle])
    laid = [mark for mark in plan.marks if mark.start < middle + 1 and mark.kind != "erase"]
    opaque = [mark.color for mark in laid if mark.layer == "paint" and mark.opacity >= 1]
    under = np.array([*opaque, (255.0, 255.0, 255.0)], np.float32)
    colors = [under]
    for mark in laid:
        alpha = mark.opacity * (sketch if mark.layer == "sketch" else 1.0)
        if 0 < alpha < 1:
            for times in (1, 2, 3):
                laid_over = 1 - (1 - alpha) ** times
                colors.append(under + laid_over * (np.asarray(mark.color, np.float32) - under))
        elif alpha >= 1:
            colors.append(np.asarray([mark.color], np.float32))
    palette = np.unique(np.concatenate(colors).round(1), axis=0)
    explained = blends_explained(process.frame(middle).astype(np.float32), palette)
    # (A bristle brush over a drawing over a toned ground blends three marks: 1.1-1.3% in painting.)
    assert (~explained).mean() < 0.015, f"{(~explained).mean():.2%} of the pixels are no mark's colour"


def test_a_pass_of_flat_brush_strokes_has_the_outlines_each_would_have_alone():
    """A brush's strokes are outlined all at once, for speed; a stroke in progress is outlined alone
    from its path so far: both agree (to a sixteenth of a pixel), ribbons and all."""
    from kinds import MADE
    from paintsundo.timeline import Stage
    from paintsundo.undo.procedural.brushwork import plan_brushstrokes, reference_at
    from paintsundo.undo.procedural.marks import outline_of
    from paintsundo.undo.procedural.painterly import paint_strokes
    from paintsundo.undo.procedural.plan import Hand

    picture = MADE["painting"]().astype(np.float32)
    rng = np.random.default_rng(4)
    strokes = plan_brushstrokes(reference_at(picture, 8.0), np.full_like(picture, 255.0), 8.0, 20.0, rng)
    marks = paint_strokes(strokes, np.arange(len(strokes)), Hand(Stage("forms", 1, 20)), rng, clump=4.0)
    assert len(marks) > 20 and any(mark.ribbons is not None for mark in marks)
    for mark in marks:
        alone = outline_of(mark.path, mark.widths, mark.tip, mark.ribbons)
        assert mark.outline is not None and alone.bounds == mark.outline.bounds
        assert len(alone.polygons) == len(mark.outline.polygons) and not alone.discs
        for one, other in zip(alone.polygons, mark.outline.polygons, strict=True):
            assert np.abs(one - other).max() <= 1


@pytest.mark.parametrize("width", [2.0, 3.0, 4.5, 8.0])
@pytest.mark.parametrize("varying", [False, True])
def test_a_stroke_lays_as_much_ink_across_as_its_width(width, varying):
    """OpenCV's anti-aliasing spreads polygons and lines beyond their outline; a mark's width is
    what it lays, to within the steps of OpenCV's line thickness (one of a pixel either way)."""
    widths = np.full(60, width, np.float32)
    if varying:  # a pen's pressure: drawn as polygons
        widths[::2] += 0.8
    path = np.stack([np.linspace(10, 190, 60), 50 + 0.3 * np.linspace(-60, 60, 60)], axis=1)
    laid = Canvas(np.zeros((100, 200, 3), np.uint8), [stroke(path, widths, (0, 0, 0), 0, 0)]).frame(1)
    ink = (1.0 - laid.mean(axis=-1) / 255.0)[:, 60:140].sum() / 80 / np.hypot(1.0, 0.3)  # across the path
    assert abs(ink - widths.mean()) <= (0.5 if varying else 1.0)


def test_a_sketch_runs_over_paper_kept_bare_and_paint_goes_around_it():
    """Construction and rough lines are drawn across the page and put away before the colour; on a
    scanned page whose paper is bare in patches, masking them there broke every circle into dashes."""
    picture = np.full((40, 60, 3), 255, np.uint8)
    bare = np.zeros((40, 60), bool)
    bare[:, ::3] = True  # patchy bare paper, as a scan's noise leaves it
    path = np.array([[5, 20], [55, 20]], np.float32)
    marks = [
        stroke(path, 2.0, (90, 110, 200), 1, 1, layer="sketch", kind="line"),
        stroke(path + np.float32([0, 10]), 2.0, (20, 20, 20), 1, 1, layer="lines", kind="line"),
    ]
    shown = Canvas(picture, marks, reserved=bare).frame(2)
    sketch_row, line_row = shown[20, 10:50].min(axis=-1), shown[30, 10:50].min(axis=-1)
    assert sketch_row.max() < 200, "the sketch line is whole"
    assert (line_row[bare[30, 10:50]] == 255).all() and (line_row[~bare[30, 10:50]] < 100).all()
