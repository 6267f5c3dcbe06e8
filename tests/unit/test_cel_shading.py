"""Cel shading as a colourist lays it: hard-edged shapes in one tone each, within their regions,
region by region, a shadow and, where the picture has one, a core shadow darker again; big shapes
brushed in stroke by stroke, so the stage changes the canvas on most of its frames."""

from __future__ import annotations

from functools import cache

import numpy as np

from kinds import covered, footprint
from paintsundo.picture import load_picture
from paintsundo.undo.procedural import DrawingProcess
from paintsundo.undo.procedural.flatting import TONE_STEP, lightness

SEEN_CHANGE = 0.1  # a frame changes visibly where its pixels change this much on average (of 255)


@cache
def shaded(path: str) -> DrawingProcess:
    picture = load_picture(path, "256").pixels
    return DrawingProcess(picture, frames=60, seed=3, workflow="cel", behaviours=frozenset())


def stage(process: DrawingProcess, name: str):
    return next(item for item in process.stages if item.name == name)


def tones(process: DrawingProcess) -> list:
    """The shading stage's marks: its shadows and lights."""
    shading = stage(process, "shading")
    return [mark for mark in process.plan.marks if shading.start <= mark.start < shading.end]


def test_the_shading_stage_changes_the_canvas_on_most_of_its_frames(example_paths):
    """Each shape brushed in over the time its area takes, where each went down at once and most of
    the stage's frames hardly changed (at 320 pixels and 105 frames, 35 to 70% of them changed by
    more than a tenth of a level on average, the rest by less)."""
    for path in example_paths:
        picture = load_picture(path, "320").pixels
        process = DrawingProcess(picture, frames=105, seed=1, workflow="cel", behaviours=frozenset())
        shading = stage(process, "shading")
        frames = np.stack([process.frame(index) for index in range(shading.start - 1, shading.end)])
        change = np.abs(np.diff(frames.astype(np.float32), axis=0)).mean(axis=(1, 2, 3))
        share = float((change > SEEN_CHANGE).mean())
        assert share >= 0.75, f"{path.name}: {share:.0%} of the shading stage's frames change visibly"


def test_each_tone_is_one_colour_within_one_region(example_paths):
    """A shading mark lies within one flat region (a fill of the flat stage) and, on the frame it
    is finished, shows its one colour wherever no line or later mark lies over it."""
    process = shaded(str(example_paths[0]))
    shape = process.canvas.shape
    flat = stage(process, "flat")
    marks = process.plan.marks
    regions = [
        covered(mark.area, shape)
        for mark in marks
        if mark.kind == "fill" and flat.start <= mark.start < flat.end
    ]
    inked = footprint([mark for mark in marks if mark.layer != "paint"], shape)
    shapes = tones(process)
    assert len(shapes) >= 10 and all(mark.kind == "fill" and mark.area is not None for mark in shapes)
    for index, mark in enumerate(shapes):
        area = covered(mark.area, shape)
        assert max((area & region).sum() for region in regions) >= 0.98 * area.sum(), "within its region"
        finished = int(np.floor(mark.end))
        later = footprint([other for other in shapes[index + 1 :] if other.begun(finished)], shape)
        seen = area & ~inked & ~later & ~process.plan.reserved
        off = np.abs(process.frame(finished)[seen].astype(np.float32) - mark.color).max(axis=-1)
        assert (off <= 0.5).all(), f"{(off > 0.5).sum()} pixels of a tone off its colour"


def test_a_shadow_holds_a_core_shadow_where_the_picture_has_one(example_paths):
    """Where a shadow holds a part a step darker again (the hair's core shadow), a second shape in
    a second, darker tone goes down within it, after it."""
    process = shaded(str(example_paths[0]))
    shape = process.canvas.shape
    shapes = tones(process)
    tone_l = lightness(np.array([[mark.color for mark in shapes]], np.float32))[0]
    areas = [covered(mark.area, shape) for mark in shapes]
    cores = [
        (first, second)
        for first in range(len(shapes))
        for second in range(first + 1, len(shapes))
        if tone_l[first] - tone_l[second] > TONE_STEP
        and (areas[second] & areas[first]).sum() >= 0.98 * areas[second].sum()
    ]
    assert cores, "no core shadow inside any shadow"
