"""Pieces every workflow's schedule uses: stage clocks, the change of idea, stroke edges."""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

from paintsundo.undo.procedural.analysis import Layers
from paintsundo.undo.procedural.behaviours import Behaviours
from paintsundo.undo.procedural.strokes import rank_within
from paintsundo.undo.procedural.timeline import Timeline

StageClock = Callable[..., np.ndarray]


def stage_clock(timeline: Timeline) -> StageClock:
    """Map times in [0, 1) within a stage (or a run of stages, from the first to the last named) to
    frames; the work ends by the last stage's last frame."""
    last_frame = timeline.frames - 1

    def to_frames(stage_name: str, times: np.ndarray, until: str | None = None) -> np.ndarray:
        start = timeline.stage(stage_name).start
        end = timeline.stage(until or stage_name).end
        span = max(end - start - 1, 0)
        # A stage of one frame (or none) does all its work at once; inf still means "never".
        scaled = times * span if span else np.where(np.isinf(times), np.inf, 0.0)
        return np.minimum(start + scaled, last_frame).astype(np.float32)

    return to_frames


def spread_to_edges(times: np.ndarray, covered: np.ndarray) -> np.ndarray:
    """Give the faint edge pixels of a stroke the time of the stroke next to them."""
    spread = cv2.erode(times, np.ones((3, 3), np.uint8), iterations=2)
    return np.where(covered, np.minimum(times, spread), np.inf).astype(np.float32)


def change_idea(
    layers: Layers, behaviours: Behaviours, colour_times: np.ndarray, colour_frames: np.ndarray
) -> np.ndarray:
    """Frames of the changed idea's first colour (inf elsewhere); its region's final colour is put
    off in `colour_frames` until after the erasing, or kept at its own later turn, so that no
    stretch of the schedule is left empty."""
    wrong_idea = np.full(layers.regions.shape, np.inf, np.float32)
    idea = behaviours.idea
    if idea is None:
        return wrong_idea
    region = (layers.regions == idea.region) & ~layers.canvas
    progress = rank_within(np.zeros(int(region.sum()), np.int8), colour_times[region])
    wrong_idea[region] = idea.drawn + 2.0 * progress
    colour_frames[region] = np.maximum(colour_frames[region], idea.redrawn + 2.0 * progress)
    return wrong_idea
