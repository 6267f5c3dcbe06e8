"""The procedural engine's promises: blank to exact, a plausible order of work, seeds, behaviours."""

from __future__ import annotations

import gc

import cv2
import numpy as np
import pytest

from conftest import colorful_fraction, white_fraction
from kinds import MADE, covered, footprint
from paintsundo.picture import load_picture
from paintsundo.undo.procedural import BEHAVIOURS, WORKFLOW_NAMES, DrawingProcess
from paintsundo.undo.procedural.habits import plan_habits
from paintsundo.undo.procedural.timeline import plan_stages
from paintsundo.undo.procedural.workflows import workflows


@pytest.fixture(scope="module")
def pictures(example_paths) -> list[np.ndarray]:
    return [load_picture(path, "256").pixels for path in example_paths]


def distances(process: DrawingProcess, picture: np.ndarray) -> np.ndarray:
    """Mean absolute RGB difference of each frame to the finished picture."""
    return np.array([np.abs(frame.astype(np.int16) - picture).mean() for frame in process])


def test_starts_blank_and_ends_exactly_on_the_picture(pictures):
    for picture in pictures:
        process = DrawingProcess(picture, frames=105, seed=1)
        assert (process.frame(0) == 255).all()
        np.testing.assert_array_equal(process.frame(104), picture)
        assert process.frame(104).dtype == np.uint8


@pytest.mark.parametrize("seed", [0, 7, 12345])
def test_distance_falls_and_every_large_rise_is_a_recorded_event(pictures, seed):
    for picture in pictures:
        process = DrawingProcess(picture, frames=105, seed=seed)
        distance = distances(process, picture)
        assert distance[-1] == 0 < distance[0]
        assert distance[len(distance) // 2] < distance[0]
        steps = np.diff(distance)
        assert (steps > 0).mean() <= 0.15
        spans = [(event.start, event.end) for event in process.events]
        for frame in np.flatnonzero(steps > 2) + 1:
            assert any(start <= frame <= end for start, end in spans), f"unrecorded rise at frame {frame}"


def test_line_art_is_dark_lines_on_white_and_color_comes_later(pictures):
    for picture in pictures:
        process = DrawingProcess(picture, frames=105, seed=3, behaviours=frozenset())
        lineart, flat = process.timeline.stage("lineart"), process.timeline.stage("flat")
        inked = process.frame(lineart.end - 1)
        assert white_fraction(inked) > 0.6
        assert colorful_fraction(inked) < 0.05
        dark = inked.max(axis=-1) < 120
        assert 0.01 < dark.mean() < 0.3
        coverage = [colorful_fraction(process.frame(f)) for f in range(flat.start, flat.end)]
        assert coverage[-1] > coverage[0] + 0.1
        assert coverage[-1] > colorful_fraction(inked) + 0.1
        assert np.all(np.diff(coverage) >= -0.02)


def test_sketch_comes_first_and_is_light(pictures):
    process = DrawingProcess(pictures[0], frames=105, seed=2, behaviours=frozenset())
    sketch = process.timeline.stage("sketch")
    early, late = process.frame(sketch.start + 1), process.frame(sketch.end - 1)
    assert white_fraction(early) > white_fraction(late) > 0.5
    drawn = late.min(axis=-1) < 235
    assert late[drawn].min() > 60, "sketch strokes are light pencil, not ink"
    # The sketch layer is hidden once flat colouring starts.
    hidden = [event for event in process.events if event.kind == "layer_hidden"]
    assert hidden and hidden[0].start == process.timeline.stage("flat").start


def test_same_seed_same_frames_and_other_seeds_differ(pictures):
    picture = pictures[1]
    first = DrawingProcess(picture, frames=60, seed=11)
    again = DrawingProcess(picture, frames=60, seed=11)
    other = DrawingProcess(picture, frames=60, seed=12)
    for index in (5, 20, 35, 50):
        np.testing.assert_array_equal(first.frame(index), again.frame(index))
    assert [e.to_json() for e in first.events] == [e.to_json() for e in again.events]
    differences = [np.abs(first.frame(i).astype(np.int16) - other.frame(i)).mean() for i in (5, 20, 35)]
    assert max(differences) > 3.0


def test_the_same_seed_draws_the_same_frames_again_after_other_drawing(example_paths):
    """Nothing carries over from one drawing to the next in a process: not the other workflows'
    objects (their freed marks' addresses reused), nor leftovers in freed memory, nor the collector;
    and a frame asked for out of order is drawn again from the start the same way."""
    small = {name: MADE[name](88, 72) for name in MADE} | {"cel": load_picture(example_paths[2], "88").pixels}

    def drawn(name: str, seed: int, first: int = 0) -> np.ndarray:
        process = DrawingProcess(small[name], frames=16, seed=seed, workflow=name)
        process.frame(first)  # later frames then go back to the start (the canvas's reset)
        return np.stack([process.frame(index) for index in range(len(process))])

    before = {name: drawn(name, 7) for name in WORKFLOW_NAMES}
    rng = np.random.default_rng(0)
    for name in WORKFLOW_NAMES:
        drawn(name, 8)
        leftovers = [
            rng.integers(1, 256, int(size), dtype=np.uint8) for size in rng.integers(64, 50_000, 100)
        ]
        del leftovers
        gc.collect()
        np.testing.assert_array_equal(drawn(name, 7, first=11), before[name], err_msg=name)


def picture_for(name: str, pictures: list[np.ndarray]) -> np.ndarray:
    """A picture of the workflow's kind: a bundled example for cel, a made one for the others."""
    return pictures[2] if name == "cel" else MADE[name]()


@pytest.mark.parametrize("name", WORKFLOW_NAMES)
def test_behaviours_appear_in_events_and_can_be_switched_off(pictures, name):
    """Each workflow has its own habits (the colour curve only in painting, where it is gradual),
    each shows in the events, and each can be switched off."""
    picture = picture_for(name, pictures)
    own = workflows()[name].habits
    everything = DrawingProcess(picture, frames=105, seed=4, workflow=name)
    habits = {event.kind for event in everything.events} & set(BEHAVIOURS)
    assert habits == own, f"{name}: {sorted(habits)} are not its habits {sorted(own)}"
    assert ("color_curve" in own) == (name == "painting")
    nothing = DrawingProcess(picture, frames=105, seed=4, workflow=name, behaviours=frozenset())
    layers = {"layer_opacity", "layer_hidden"} if name == "cel" else set()
    assert {event.kind for event in nothing.events} == layers
    for behaviour in own:
        others = frozenset(BEHAVIOURS) - {behaviour}
        kinds = {e.kind for e in DrawingProcess(picture, 105, 4, name, behaviours=others).events}
        assert kinds & set(BEHAVIOURS) == own - {behaviour}


def test_the_color_curve_is_dragged_in_gradually():
    """The painter's curve starts the colours a little flat and greyed and brings them to the
    picture's over its whole stage, a little each frame, never in a snap."""
    picture = MADE["painting"]()
    curved = DrawingProcess(picture, 60, seed=4, workflow="painting", behaviours=frozenset({"color_curve"}))
    plain = DrawingProcess(picture, 60, seed=4, workflow="painting", behaviours=frozenset())
    curve = next(event for event in curved.events if event.kind == "color_curve")
    host = curved.timeline.stage(curve.detail["stage"])
    assert curve.end - curve.start >= 0.7 * host.frames
    off = [
        np.abs(curved.frame(i).astype(np.int16) - plain.frame(i)).mean()
        for i in range(curve.start - 1, curve.end + 1)
    ]
    assert off[0] > 2.0, "the colours start off the picture's"
    assert off[-1] == 0, "and end on them"
    assert np.all(np.diff(off) <= 0.05), "they only come closer"
    assert -np.diff(off).max() <= 0.25 * off[0], f"no snap: {np.round(off, 2)}"


def test_flip_shows_the_mirrored_canvas(pictures):
    process = DrawingProcess(pictures[0], frames=105, seed=0, behaviours=frozenset({"flip"}))
    flip = next(event for event in process.events if event.kind == "flip")
    # Mirrored back, the flipped frame matches the frame before it far better than as shown.
    mirrored = process.frame(flip.start)[:, ::-1].astype(np.int16)
    assert (
        np.abs(mirrored - process.frame(flip.start - 1)).mean()
        < np.abs(process.frame(flip.start).astype(np.int16) - process.frame(flip.start - 1)).mean()
    )
    assert not any(event.kind == "flip" for event in process.events if event.start != flip.start)


def test_change_of_idea_paints_erases_and_repaints_a_region(pictures):
    """A region is filled in a wrong colour, erased back to paper, and filled again in its own colour,
    each at once, as the event says; the region shows each in turn."""
    process = DrawingProcess(pictures[0], frames=105, seed=5, behaviours=frozenset({"change_of_idea"}))
    event = next(event for event in process.events if event.kind == "change_of_idea")
    drawn, erased, redrawn = event.start, event.detail["erased"], event.detail["redrawn"]
    assert drawn < erased < redrawn <= event.end
    marks = process.plan.marks
    wrong = next(mark for mark in marks if mark.kind == "fill" and mark.start == drawn)
    erase = next(mark for mark in marks if mark.kind == "erase" and mark.start == erased)
    again = next(mark for mark in marks if mark.kind == "fill" and mark.start == redrawn)
    assert all(mark.layer == "paint" and mark.start == mark.end for mark in (wrong, erase, again))
    area = wrong.area
    region = covered(area, pictures[0].shape[:2])
    assert event.detail["region_pixels"] == area.pixels == region.sum()
    for mark in (erase, again):  # the same area, erased and filled
        assert (mark.area.top, mark.area.left) == (area.top, area.left)
        np.testing.assert_array_equal(mark.area.mask, area.mask)
    # Another hue, and the right one is the region's own (nearer the picture's colours there).
    assert np.abs(np.subtract(wrong.color, again.color)).max() > 40
    seen = pictures[0][region].astype(np.float32).mean(axis=0)
    assert np.abs(seen - again.color).sum() < np.abs(seen - wrong.color).sum()
    region &= ~footprint([mark for mark in marks if mark.layer == "lines"], region.shape)
    assert region.mean() > 0.002

    def off(frame: int, color) -> float:
        return float(np.abs(process.frame(frame)[region] - np.asarray(color, np.float32)).max())

    assert off(drawn - 1, (255, 255, 255)) == 0, "the region is paper before the idea"
    assert off(drawn, wrong.color) <= 0.5 and off(erased - 1, wrong.color) <= 0.5
    assert off(erased, (255, 255, 255)) == 0, "the erase takes it back to paper"
    assert off(redrawn, again.color) <= 0.5, "and the region is filled again in its own colour"
    assert off(process.timeline.stage("flat").end - 1, again.color) <= 0.5


@pytest.mark.parametrize("name", ["painting", "pencil"])
def test_no_still_frame_then_burst_where_a_stage_starts(name):
    """A stage's first frame shows the marks of its own time: the hand does not stop for a frame
    and then lay two frames' work at once where one stage gives way to the next."""
    process = DrawingProcess(MADE[name](), frames=48, seed=3, workflow=name, behaviours=frozenset())
    frames = [process.frame(i).astype(np.float32) for i in range(len(process))]
    change = [0.0] + [float(np.abs(frames[i] - frames[i - 1]).mean()) for i in range(1, len(frames))]
    for stage in process.timeline.stages[1:]:
        around = max(change[stage.start - 1], change[stage.start + 1])
        assert change[stage.start] >= 0.25 * around, (
            f"frame {stage.start}, the start of {stage.name}: {change[stage.start]:.3f} against {around:.3f}"
        )


@pytest.mark.parametrize("frames", [2, 5, 12, 300])
def test_any_frame_count_from_two(pictures, frames):
    process = DrawingProcess(pictures[2], frames=frames, seed=0)
    assert len(process) == frames == len(list(process))
    assert (process.frame(0) == 255).all()
    np.testing.assert_array_equal(process.frame(frames - 1), pictures[2])


def test_stage_weights_set_the_stage_lengths(pictures):
    weights = {"sketch": 1.0, "lineart": 0.0, "flat": 1.0, "shading": 1.0, "detail": 1.0}
    process = DrawingProcess(pictures[0], frames=41, seed=0, workflow="cel", stage_weights=weights)
    lengths = {stage.name: stage.frames for stage in process.stages}
    assert lengths["lineart"] == 0
    assert [stage.name for stage in process.stages] == list(workflows()["cel"].stages)
    assert all(lengths[name] == 10 for name in ("sketch", "flat", "shading", "detail"))
    np.testing.assert_array_equal(process.frame(40), pictures[0])


def test_rejects_arrays_that_are_not_rgb_uint8():
    with pytest.raises(ValueError, match="RGB uint8"):
        DrawingProcess(np.zeros((8, 8), np.uint8), frames=10)


def test_a_flip_is_held_for_a_glance_of_its_own_length(pictures):
    """Every video flipped for the same two frames reads as a machine's tic: the length varies."""
    lengths = set()
    for seed in range(8):
        process = DrawingProcess(pictures[0], frames=105, seed=seed, behaviours=frozenset({"flip"}))
        flip = next(event for event in process.events if event.kind == "flip")
        lengths.add(flip.end - flip.start)
        # Mirrored back, every flipped frame is near the one before the flip, not a copy of it.
        before = process.frame(flip.start - 1).astype(np.int16)
        for index in range(flip.start, flip.end):
            shown = process.frame(index).astype(np.int16)
            assert np.abs(shown[:, ::-1] - before).mean() < np.abs(shown - before).mean()
    assert len(lengths) >= 2 and lengths <= {2, 3, 4}


def test_a_lassoed_part_is_moved_rigidly_with_a_crisp_edge():
    """Before it is moved into place, the part drawn a little off is the canvas's own pixels turned
    and shifted, as a lasso-and-move shows it: no soft double exposure round the lasso, no edge
    pixels stretched into a smear; only the lasso's anti-aliased edge blends."""
    timeline = plan_stages(60, ("sketch", "colour"), (0.5, 0.5))
    focus = np.zeros((180, 240), np.float32)
    focus[80:100, 110:130] = 1.0  # the part worth moving, in the middle
    habits = plan_habits(
        timeline, frozenset({"transform"}), {"transform": "colour"}, focus, np.random.default_rng(2)
    )
    move = habits.move
    assert move is not None
    rng = np.random.default_rng(0)
    canvas = cv2.GaussianBlur(rng.uniform(0, 255, (180, 240, 3)).astype(np.float32), (0, 0), 2.0)
    shown = habits.shown(canvas, move.frames[0] - 1)  # before the move: wholly where first drawn
    x0, y0, x1, y1 = move.box
    full = move.matrix.copy()  # the same move about the same point, applied to the whole canvas
    full[:, 2] += np.float32([x0, y0]) - full[:, :2] @ np.float32([x0, y0])
    rigid = cv2.warpAffine(canvas, full, canvas.shape[1::-1], flags=cv2.INTER_LINEAR)
    rigid = rigid[y0:y1, x0:x1]
    inside, outside = move.feather > 0.99, move.feather < 0.01
    box = shown[y0:y1, x0:x1]
    assert np.abs(box - rigid)[inside].max() < 0.5, "the part itself, moved"
    assert np.abs(box - canvas[y0:y1, x0:x1])[outside].max() < 0.5, "and nothing round it"
    edge = ~inside & ~outside
    perimeter = np.pi * sum(move.feather.shape) / 2
    assert edge.sum() < 4 * perimeter, "a crisp lasso edge (a few pixels wide), not a wide soft blend"


def test_the_line_layer_is_hidden_to_check_the_colour_under_it(pictures):
    """An artist hides the line layer to look at the colour beneath: while shading, never while
    inking, when (in a colouring video with no sketch) there is nothing beneath but the page."""
    for picture in pictures:
        process = DrawingProcess(picture, frames=105, seed=0, behaviours=frozenset({"layer_toggle"}))
        toggle = next(event for event in process.events if event.kind == "layer_toggle")
        for index in range(toggle.start, toggle.end):
            assert white_fraction(process.frame(index)) < 0.5, f"frame {index} shows colour, lines hidden"
