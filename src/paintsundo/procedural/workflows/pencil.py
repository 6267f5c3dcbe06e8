"""Pencil and ink drawing: light construction first (ellipses for the big masses, their axes),
then contours found over it, then clean dark lines while the construction fades, then tone."""

from __future__ import annotations

import cv2
import numpy as np

from paintsundo.procedural.analysis import REFERENCE_SIDE, Layers
from paintsundo.procedural.behaviours import Behaviours, Roles
from paintsundo.procedural.render import RevealFrames
from paintsundo.procedural.strokes import fill_times, stroke_times
from paintsundo.procedural.timeline import Timeline
from paintsundo.procedural.workflows import Workflow
from paintsundo.procedural.workflows.common import change_idea, spread_to_edges, stage_clock

PAPER_LEVELS = 8.0
CONTOUR_OPACITY = 0.45  # the first, light pass over the drawing's own lines
GRAPHITE = np.array([150.0, 150.0, 155.0], np.float32)  # light construction lines


def schedule(
    layers: Layers, timeline: Timeline, behaviours: Behaviours, rng: np.random.Generator
) -> RevealFrames:
    height, width = layers.regions.shape
    cell = max(4, round(max(height, width) / 16))
    construction = construction_marks(layers, rng)
    # The contours are the drawing's own lines found lightly first, over the construction; the lines
    # stage then presses them dark.
    contours = np.where(layers.ink > 0.2, CONTOUR_OPACITY, 0.0).astype(np.float32)
    marks = np.maximum(construction, contours)
    construction_times = stroke_times(construction > 0.2, rng, cell)
    contour_times = stroke_times(contours > 0, rng, cell)
    to_frames = stage_clock(timeline)
    sketch = np.minimum(to_frames("construction", construction_times), to_frames("contours", contour_times))
    darkening = marks[..., None] * (255.0 - GRAPHITE)
    # Tone: the drawing's own shading and hatching, mass by mass, large first; the paper's own grain
    # settles grain by grain over the whole stage rather than as a patch.
    tone_times = fill_times(layers.regions, layers.region_colours, rng).times
    paper = _paper(layers.picture)
    tone_times[paper] = rng.random(int(paper.sum()), dtype=np.float32)
    tone = to_frames("tone", tone_times)
    never = np.full((height, width), np.inf, np.float32)
    return RevealFrames(
        sketch=spread_to_edges(sketch, marks > 0),
        sketch_darkening=darkening.astype(np.float32),
        ink=spread_to_edges(to_frames("lines", stroke_times(layers.ink > 0.2, rng, cell)), layers.ink > 0),
        ground=never,
        ground_colour=layers.picture,
        flat=never,
        flat_colour=layers.picture,
        shading=never,
        shading_colour=layers.picture,
        detail=tone,
        wrong_idea=change_idea(layers, behaviours, tone_times, tone),
    )


def _paper(picture: np.ndarray) -> np.ndarray:
    """Pixels of the paper itself: within a few levels of the most common light colour (h w bool)."""
    light = picture[picture.mean(axis=-1) > 200]
    if len(light) == 0:
        return np.zeros(picture.shape[:2], bool)
    levels, counts = np.unique(np.round(light.mean(axis=-1)), return_counts=True)
    tone = levels[np.argmax(counts)]
    return np.abs(picture.mean(axis=-1) - tone) <= PAPER_LEVELS


def construction_marks(layers: Layers, rng: np.random.Generator) -> np.ndarray:
    """Light ellipses around the largest dark masses of the drawing, with their long axes (h w 0..1)."""
    height, width = layers.regions.shape
    scale = max(height, width) / REFERENCE_SIDE
    drawn = (layers.ink > 0.2) | (layers.picture.min(axis=-1) < 200)
    closed = cv2.morphologyEx(drawn.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((15, 15), np.uint8))
    _, labels, stats, _ = cv2.connectedComponentsWithStats(closed, connectivity=8)
    marks = np.zeros((height, width), np.uint8)
    thickness = max(1, round(scale))
    for label in np.argsort(-stats[1:, cv2.CC_STAT_AREA])[:6] + 1:
        if stats[label, cv2.CC_STAT_AREA] < 0.005 * height * width:
            break
        points = np.column_stack(np.nonzero(labels == label)[::-1]).astype(np.float32)
        if len(points) < 5:
            continue
        (cx, cy), (major, minor), angle = cv2.fitEllipse(points)
        wobble = rng.normal(1.0, 0.04, 2)
        axes = (max(1, round(major * wobble[0] / 2)), max(1, round(minor * wobble[1] / 2)))
        cv2.ellipse(marks, (round(cx), round(cy)), axes, angle, 0, 360, 90, thickness, cv2.LINE_AA)
        radians = np.deg2rad(angle + 90)
        reach = np.array([np.cos(radians), np.sin(radians)]) * max(axes) * 1.1
        centre = np.array([cx, cy])
        start, end = np.round(centre - reach).astype(int), np.round(centre + reach).astype(int)
        cv2.line(marks, tuple(start.tolist()), tuple(end.tolist()), 70, thickness, cv2.LINE_AA)
    return marks.astype(np.float32) / 255.0


WORKFLOW = Workflow(
    name="pencil",
    summary="pencil or ink: construction, contours, clean lines, tone",
    stages=("construction", "contours", "lines", "tone"),
    weights=(0.18, 0.24, 0.3, 0.28),
    roles=Roles(lines="lines", colour="tone", rendering="tone"),
    schedule=schedule,
    habits=frozenset({"flip", "layer_toggle", "transform"}),
)
