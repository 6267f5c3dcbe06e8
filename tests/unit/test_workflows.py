"""Each workflow draws like its kind of artist, and `auto` tells the kinds apart from the picture."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from kinds import (
    KINDS,
    MADE,
    covered,
    flat_graphic,
    footprint,
    landscape_painting,
    painted_portrait,
    pencil_drawing,
)
from paintsundo.errors import PaintsUndoError
from paintsundo.picture import load_picture
from paintsundo.undo.procedural import WORKFLOW_NAMES, DrawingProcess
from paintsundo.undo.procedural.choice import choose_workflow
from paintsundo.undo.procedural.swatches import drag, nearby_swatch
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
    assert (process.workflow_choice["workflow"], process.workflow_choice["reason"]) == (name, "asked for")
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
    assert process.workflow_choice["workflow"] == expected and process.workflow_choice["reason"].startswith(
        "auto: "
    )
    assert set(process.workflow_choice["features"]) == {
        "chroma",
        "paper",
        "flat",
        "colours",
        "ink",
        "texture",
        "solid",
    }


def test_auto_takes_a_painted_portrait_with_no_line_art_for_a_painting():
    """A head and shoulders in soft, blended colour, its features modelled rather than outlined, is
    a painting, at any size."""
    for size in ((320, 256), (640, 512), (160, 128)):
        name, reason, features = choose_workflow(painted_portrait(*size))
        assert name == "painting", (size, reason, features)


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
    """A painter who paints straight away (one who draws first lays lines, then paints over them)."""
    picture = landscape_painting()
    process = next(
        found
        for seed in range(2, 30)
        if not (
            found := DrawingProcess(
                picture, frames=60, seed=seed, workflow="painting", behaviours=frozenset()
            )
        ).plan.choices["drawing_first"]
    )
    final = lab(picture)
    accents = stage(process, "accents")
    for index in range(1, accents.start):
        frame = lab(process.frame(index))
        lines = (frame[..., 0] < final[..., 0] - 25) & (final[..., 0] > 35)
        # (A dark stroke may run a little past its zone before the next zone's paint covers it: the
        # big brush's strokes on the small dark bushes cover 0.56% of the picture until refined; a
        # drawing's lines would cover several times that.)
        assert lines.mean() < 0.0075, f"dark marks where the picture is not dark, frame {index}"
    height, width = picture.shape[:2]
    sky = (slice(0, height // 5), slice(0, width))
    house = (slice(int(0.8 * height), int(0.9 * height)), slice(int(0.57 * width), int(0.73 * width)))

    def off(index: int, area) -> float:
        return float(np.linalg.norm(lab(process.frame(index))[area] - final[area], axis=-1).mean())

    def blocked_in(area) -> int:
        """The first frame by which the area is half way from bare canvas to the picture."""
        return next(index for index in range(len(process)) if off(index, area) <= 0.5 * off(0, area))

    sky_done = blocked_in(sky)
    assert sky_done < blocked_in(house), "the soft, far sky is blocked in before the sharp red house"
    assert off(sky_done, house) > 0.8 * off(0, house), "while the house is still to come"


def sketched(process: DrawingProcess) -> np.ndarray:
    """Where the plan's sketch-layer marks lay anything (h w bool): construction and guides, which
    fade by design, and a graphic's paths, which are put away as their shapes are filled."""
    sketch = [mark for mark in process.plan.marks if mark.layer == "sketch" and mark.kind != "erase"]
    return footprint(sketch, process.canvas.shape)


@pytest.mark.parametrize("name", ["painting", "graphic", "pencil"])
def test_paint_never_goes_back_to_canvas_and_color_opens_no_holes(name):
    """What gets its colour keeps it (white clouds are not the canvas showing through); a graphic's
    flat colour has no white holes in it."""
    picture = MADE[name]()
    process = DrawingProcess(picture, frames=60, seed=3, workflow=name, behaviours=frozenset())
    painted_before = np.zeros(picture.shape[:2], bool)
    colored = picture.min(axis=-1) < 235
    # Only what the picture itself has must stay: the sketch layer's marks are meant to go.
    sketch = sketched(process)
    assert sketch.any() == (name != "painting")
    for index in range(1, len(process)):
        frame = process.frame(index)
        # Marks cannot take paint back off but by erasing, and a light stroke is still paint.
        painted = (frame < 255).any(axis=-1) & colored
        kept = painted & ~sketch
        assert not (painted_before & ~kept).any(), f"paint went back to canvas on frame {index}"
        painted_before |= kept
        if name != "graphic":  # a pencil drawing is all holes; a block-in shows canvas between strokes
            continue
        # (A shape's path, shown while it is placed, is not paint: it encloses what is to be filled.)
        contours, _ = cv2.findContours(kept.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        outline = np.zeros(kept.shape, np.uint8)
        cv2.drawContours(outline, contours, -1, 1, thickness=cv2.FILLED)
        assert ((outline > 0) & ~kept & ~sketch).mean() < 0.003, f"white holes in the paint on frame {index}"


def chroma(color) -> float:
    return float(np.hypot(*lab(np.float32([[color]]))[0, 0, 1:]))


def delta(one, other) -> float:
    """The CIELAB distance between two colours."""
    return float(np.linalg.norm(lab(np.float32([[one]])) - lab(np.float32([[other]]))))


def test_graphic_shapes_go_down_in_flat_swatches_tuned_late_to_their_final_colors():
    """Shapes stack, as in a vector program, each filled with one flat swatch: what is painted is
    always a fill's colour laid by then, never a rough or blended one. The composition's shapes go
    down in provisional swatches, other colours near their own and never muted ones (the chroma
    kept); late in the details each is dragged, a step a frame at most and each nearer, to its final
    colour, so that by the finish every shape shows the picture's own. (A shape's path, shown while
    it is placed, is the program's, not paint.)"""
    picture = flat_graphic()
    process = DrawingProcess(picture, frames=40, seed=1, workflow="graphic", behaviours=frozenset())
    palette = np.unique(picture.reshape(-1, 3), axis=0).astype(np.float32)
    fills = [mark for mark in process.plan.marks if mark.kind == "fill"]
    by_shape: dict[int, list] = {}
    for mark in fills:
        by_shape.setdefault(mark.note["shape"], []).append(mark)
    details = stage(process, "details")
    provisional = 0
    for own in by_shape.values():
        placed, final = own[0].color, own[-1].color
        # (Each shape's colour is its region's mean, within a few levels of the picture's own.)
        assert np.abs(palette - final).max(axis=1).min() <= 12, "each shape ends in the picture's colour"
        assert all(chroma(mark.color) >= 0.9 * chroma(final) - 1 for mark in own), "no muted swatch"
        tuned = [mark for mark in own if mark.note.get("tuned")]
        if placed == final:
            continue
        provisional += 1
        assert delta(placed, final) >= 8, "a provisional swatch is another colour"
        assert tuned and all(details.start + 0.4 * details.frames <= mark.start for mark in tuned)
        frames = [mark.start for mark in tuned]
        assert np.all(np.diff(frames) >= 1), "a step a frame at most"
        away = [delta(color, final) for color in [placed, *(mark.color for mark in tuned)]]
        assert np.all(np.diff(away) < 0), "each step of the drag nearer the final colour"
    assert provisional >= 2
    even = cv2.erode((cv2.Canny(picture, 10, 30) == 0).astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    paths = sketched(process)
    assert 0 < paths.mean() < 0.2
    for index in range(1, stage(process, "finish").start):
        frame = process.frame(index).astype(np.float32)
        painted = (frame != 255).any(axis=-1) & even & ~paths
        swatches = np.array([mark.color for mark in fills if mark.start < index + 1] or [(255.0,) * 3])
        nearest = np.abs(frame[painted][:, None, :] - swatches[None]).max(axis=-1).min(axis=1)
        assert (nearest > 12).sum() <= 0.005 * painted.sum(), f"a colour no fill has, frame {index}"
    nearest = np.abs(frame[painted][:, None, :] - palette[None]).max(axis=-1).min(axis=1)
    assert (nearest > 12).sum() <= 0.005 * painted.sum(), "by the finish, the picture's own colours"


@pytest.mark.parametrize(
    "color",
    [(250, 236, 210), (60, 140, 120), (245, 180, 60), (80, 90, 160), (20, 30, 90), (0, 0, 0), (128,) * 3],
)
def test_a_provisional_swatch_is_another_colour_near_it_never_a_muted_one(color):
    """A designer's provisional swatch is a neighbouring colour: 12 to 20 CIELAB units away, but
    never further than the blank page, its chroma kept (a grey's swatch is a lighter or darker grey);
    seeds pick different ones."""
    swatches = [nearby_swatch(np.float32(color), np.random.default_rng(seed)) for seed in range(12)]
    paper = delta((255, 255, 255), color)
    for swatch in swatches:
        assert min(12, 0.75 * paper) - 0.5 <= delta(swatch, color) <= min(20, paper) + 0.5
        assert chroma(swatch) >= 0.95 * chroma(color) - 0.5
        if chroma(color) < 1:
            assert chroma(swatch) < 1, "a grey's swatch is a grey"
    assert len({tuple(np.round(swatch)) for swatch in swatches}) >= 6
    steps = drag(swatches[0], np.float32(color), 8)
    np.testing.assert_array_equal(steps[-1], np.float32(color))
    assert np.all(np.diff([delta(step, color) for step in [swatches[0], *steps]]) < 0)


def test_graphic_shapes_appear_whole_one_at_a_time():
    """Each shape is filled at once, in one frame, and no two shapes are filled on the same frame;
    on its frame the whole shape shows its colour, which it did not before."""
    picture = flat_graphic()
    process = DrawingProcess(picture, frames=48, seed=3, workflow="graphic", behaviours=frozenset())
    fills = [mark for mark in process.plan.marks if mark.kind == "fill"]
    assert len(fills) >= 4
    assert all(mark.start == mark.end for mark in fills), "a fill is laid in a single frame"
    frames = [int(np.floor(mark.start)) for mark in fills]  # the frame its moment falls in
    assert len(set(frames)) == len(frames), f"two shapes filled on one frame: {sorted(frames)}"
    for mark, index in zip(fills, frames, strict=True):
        area = covered(mark.area, picture.shape[:2])
        shown = process.frame(index)[area].astype(np.float32)
        assert np.abs(shown - mark.color).max() <= 0.5, f"the shape filled on frame {index} is whole"
        before = process.frame(index - 1)[area].astype(np.float32)
        assert (np.abs(before - mark.color).max(axis=-1) <= 0.5).mean() < 0.5, "and was not there before"


@pytest.mark.parametrize("number", [1, 2, 3])
def test_cel_flats_have_one_color_per_region_and_no_holes_until_shading(example_paths, number):
    """Through the flat stage, each region's fill, once laid, shows exactly its one colour over its
    whole area (but under the inked lines), until the shading starts."""
    picture = load_picture(example_paths[number - 1], "256").pixels
    process = DrawingProcess(picture, frames=60, seed=3, workflow="cel", behaviours=frozenset())
    flat = stage(process, "flat")
    marks = process.plan.marks
    fills = [mark for mark in marks if mark.kind == "fill" and flat.start <= mark.start < flat.end]
    assert len(fills) >= 10 and all(mark.layer == "paint" for mark in fills)
    inked = footprint([mark for mark in marks if mark.layer == "lines"], picture.shape[:2])
    areas = [covered(mark.area, picture.shape[:2]) & ~inked for mark in fills]
    assert sum(area.sum() for area in areas) > 0.3 * picture.shape[0] * picture.shape[1]
    for index in range(flat.start, flat.end):
        frame = process.frame(index).astype(np.float32)
        for mark, area in zip(fills, areas, strict=True):
            if mark.end <= index:
                off = np.abs(frame[area] - mark.color).max(axis=-1)
                assert (off <= 0.5).all(), f"{(off > 0.5).sum()} pixels off a fill's colour, frame {index}"


def sketch_marks(process: DrawingProcess) -> tuple[list, list]:
    """The plan's sketch-layer lines, split into the construction (the lightest, which come first)
    and the rough that searches the forms."""
    sketch = [mark for mark in process.plan.marks if mark.layer == "sketch" and mark.kind == "line"]
    lightest = min(mark.opacity for mark in sketch)
    construction = [mark for mark in sketch if mark.opacity == lightest]
    return construction, [mark for mark in sketch if mark.opacity > lightest]


def test_pencil_construction_is_drawn_first_then_fades():
    """Construction marks go down first, on the sketch layer, lighter than the searching lines; they
    fade while the clean lines go down and are put away for the tone."""
    picture = pencil_drawing()
    process = DrawingProcess(picture, frames=60, seed=3, workflow="pencil", behaviours=frozenset())
    construction, lines, tone = (stage(process, name) for name in ("construction", "lines", "tone"))
    circles, rough = sketch_marks(process)
    assert circles and rough
    assert max(mark.end for mark in circles) < construction.end <= min(mark.start for mark in rough)
    assert max(mark.opacity for mark in circles) < min(mark.opacity for mark in rough) <= 0.6
    # Where the construction lies and the finished drawing has nothing, it shows.
    marks = footprint(circles, picture.shape[:2]) & (picture.min(axis=-1) > 230)
    assert marks.mean() > 0.002, "construction marks where the finished drawing has none"
    drawn = process.frame(construction.end - 1).min(axis=-1)[marks]
    assert drawn.mean() < 235 and drawn.min() > 120, "in light pencil"
    # Where nothing else is ever laid (but the sheet's tone, on toned paper), it fades while the
    # clean lines go down, then is put away.
    sheet = [mark for mark in process.plan.marks if mark.kind == "fill"]
    paper = np.asarray(sheet[0].color if sheet else (255.0, 255.0, 255.0))
    drawn_on = [mark for mark in process.plan.marks if mark.layer == "paint" and mark.kind != "fill"]
    alone = marks & ~footprint(drawn_on, marks.shape)
    assert alone.sum() >= 20
    darkness = [
        paper.min() - process.frame(i).min(axis=-1)[alone].mean() for i in range(lines.start - 1, tone.start)
    ]
    assert np.all(np.diff(darkness) <= 0), f"they only fade: {np.round(darkness, 1)}"
    middle = darkness[len(darkness) // 2]
    assert darkness[0] > middle > 0, f"gradually, while the clean lines go down: {np.round(darkness, 1)}"
    put_away = np.abs(process.frame(tone.start)[alone].astype(np.float32) - paper).max()
    assert put_away <= 1, "and are put away for the tone"


def test_pencil_hatching_stays_on_the_drawings_tone():
    """Tone is hatched only where the drawing has it: no stroke runs across the paper inside a
    ring of tone, and the soft edges of the dark lines are not taken for tone."""
    picture = pencil_drawing()
    process = DrawingProcess(picture, frames=60, seed=3, workflow="pencil", behaviours=frozenset())
    tone = stage(process, "tone")
    hatching = [mark for mark in process.plan.marks if mark.kind == "line" and mark.start >= tone.start]
    assert len(hatching) >= 10
    grey = picture.min(axis=-1)
    bare_paper = cv2.erode((grey > 235).astype(np.uint8), np.ones((7, 7), np.uint8)) > 0
    laid = footprint(hatching, grey.shape)
    assert (laid & bare_paper).sum() <= 0.02 * laid.sum(), "hatching on paper the drawing leaves bare"
    # Halfway through the tone, the head (bare paper inside a dark ring) is still bare.
    head = bare_paper & (np.mgrid[0 : grey.shape[0], 0 : grey.shape[1]][0] < 0.3 * grey.shape[0])
    frame = process.frame((tone.start + tone.end) // 2).min(axis=-1)
    assert np.percentile(frame[head], 5) > 225, "no hatching inside the head"


def near_boundaries(picture: np.ndarray, marks: np.ndarray, reach: int) -> float:
    """The share of marked pixels within `reach` pixels of an edge of the finished picture."""
    grey = cv2.cvtColor(picture, cv2.COLOR_RGB2GRAY)
    boundaries = cv2.Canny(cv2.GaussianBlur(grey, (0, 0), 2.0), 30, 80) > 0
    near = cv2.dilate(boundaries.astype(np.uint8), np.ones((2 * reach + 1, 2 * reach + 1), np.uint8)) > 0
    return float((marks & near).sum() / max(1, marks.sum()))


@pytest.mark.parametrize("name", ["cel", "pencil"])
def test_sketch_strokes_follow_the_pictures_forms(example_paths, name):
    """After the construction, the rough's strokes lie on the picture's forms: near its edges, far
    more than the picture as a whole is."""
    pixels = load_picture(example_paths[0]).pixels if name == "cel" else pencil_drawing(640, 512)
    process = DrawingProcess(pixels, frames=40, seed=0, workflow=name)
    circles, rough = sketch_marks(process)
    assert min(mark.start for mark in rough) >= max(mark.start for mark in circles)
    strokes = footprint(rough, pixels.shape[:2])
    assert strokes.mean() > 0.002
    reach = round(max(pixels.shape[:2]) / 80)  # 8 pixels on 640
    near = near_boundaries(pixels, strokes, reach)
    assert near >= 0.8, near
    assert near >= 1.3 * near_boundaries(pixels, np.ones_like(strokes), reach), "not everywhere"


def test_cel_sketch_starts_from_construction_ellipses(example_paths):
    """Light ellipses round the figure's masses come first, before any stroke of the forms."""
    pixels = load_picture(example_paths[1]).pixels
    process = DrawingProcess(pixels, frames=60, seed=2, workflow="cel")
    sketch = stage(process, "sketch")
    circles, rough = sketch_marks(process)
    assert max(mark.start for mark in circles) < min(mark.start for mark in rough), "construction first"
    assert max(mark.end for mark in circles) <= sketch.start + 0.35 * sketch.frames
    assert max(mark.opacity for mark in circles) < min(mark.opacity for mark in rough), "and lighter"
    ellipses = 0
    for mark in circles:
        centre = mark.path.mean(axis=0)
        radius = np.hypot(*(mark.path - centre).T)
        closes = np.hypot(*(mark.path[0] - mark.path[-1])) < 0.5 * radius.mean()
        if closes and len(mark.path) >= 12 and radius.max() < 1.4 * radius.min():
            ellipses += 1
            assert pixels[int(centre[1]), int(centre[0])].min() < 250, "round a mass, not the bare paper"
    assert ellipses >= 2
