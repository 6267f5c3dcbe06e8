"""The finishing touches: the last pass, the only one that lays the picture's own pixels."""

from __future__ import annotations

import numpy as np

from kinds import covered
from paintsundo.picture import load_picture
from paintsundo.undo.procedural import DrawingProcess


def test_cel_details_are_finished_region_by_region(example_paths):
    """The detail stage's touches go region by region, as a colourist finishes one part before the
    next: taken in the order they are laid, the flat region each touch falls in mostly changes a
    few times a region at most (the fills overlap under the lines, where touches go last), where
    grid patches, each taking a little of many regions, changed it 26 times a region and cut a
    seam down the middle of a face."""
    process = DrawingProcess(load_picture(example_paths[0], "256").pixels, frames=48, seed=3, workflow="cel")
    touches = process.plan.touches
    fills = [mark for mark in process.plan.marks if mark.kind == "fill" and mark.layer == "paint"]
    region = np.full(touches.labels.shape, len(fills), np.int64)
    for index, mark in enumerate(fills):
        region[covered(mark.area, region.shape)] = index
    inside = touches.labels >= 0
    votes = np.zeros((len(touches), len(fills) + 1), np.int64)
    np.add.at(votes, (touches.labels[inside], region[inside]), 1)
    in_turn = votes.argmax(axis=1)[np.argsort(touches.frames, kind="stable")]
    changes, regions_touched = int((np.diff(in_turn) != 0).sum()), len(np.unique(in_turn))
    assert changes <= 12 * regions_touched, f"{changes} changes between {regions_touched} regions"
