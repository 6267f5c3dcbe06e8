"""The procedural engine's promises: blank to exact, a plausible order of work, seeds, behaviours."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import colourful_fraction, white_fraction
from paintsundo.picture import load_picture
from paintsundo.undo.procedural import BEHAVIOURS, DrawingProcess
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


def test_line_art_is_dark_lines_on_white_and_colour_comes_later(pictures):
    for picture in pictures:
        process = DrawingProcess(picture, frames=105, seed=3, behaviours=frozenset())
        lineart, flat = process.timeline.stage("lineart"), process.timeline.stage("flat")
        inked = process.frame(lineart.end - 1)
        assert white_fraction(inked) > 0.6
        assert colourful_fraction(inked) < 0.05
        dark = inked.max(axis=-1) < 120
        assert 0.01 < dark.mean() < 0.3
        coverage = [colourful_fraction(process.frame(f)) for f in range(flat.start, flat.end)]
        assert coverage[-1] > coverage[0] + 0.1
        assert coverage[-1] > colourful_fraction(inked) + 0.1
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


def test_behaviours_appear_in_events_and_can_be_switched_off(pictures):
    picture = pictures[2]
    everything = DrawingProcess(picture, frames=105, seed=4)
    kinds = {event.kind for event in everything.events}
    assert {"flip", "color_curve", "transform", "change_of_idea"} <= kinds
    nothing = DrawingProcess(picture, frames=105, seed=4, behaviours=frozenset())
    assert {event.kind for event in nothing.events} == {"layer_opacity", "layer_hidden"}
    for behaviour in BEHAVIOURS:
        others = frozenset(BEHAVIOURS) - {behaviour}
        assert behaviour not in {e.kind for e in DrawingProcess(picture, 105, 4, behaviours=others).events}


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
    process = DrawingProcess(pictures[0], frames=105, seed=5, behaviours=frozenset({"change_of_idea"}))
    event = next(event for event in process.events if event.kind == "change_of_idea")
    idea = process.behaviours.idea
    assert (event.start, event.detail["erased"], event.detail["redrawn"]) == (
        idea.drawn,
        idea.erased,
        idea.redrawn,
    )
    region = process.layers.regions == idea.region
    wrong = idea.wrong_colour
    before_erase = process.frame(idea.erased - 1)[region].astype(np.float32)
    assert np.abs(before_erase - wrong).mean() < 40
    erased = process.frame(idea.erased)[region]
    assert erased.min(axis=-1).mean() > before_erase.min(axis=-1).mean()
    repainted = process.frame(event.end)[region].astype(np.float32)
    assert np.abs(repainted - process.layers.region_colours[idea.region]).mean() < 60


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
