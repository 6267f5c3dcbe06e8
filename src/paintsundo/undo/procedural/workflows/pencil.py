"""Pencil and ink drawing: light construction first (ellipses for the big masses, their axes),
then contours found over it, then clean dark lines while the construction fades, then tone."""

from __future__ import annotations

import cv2
import numpy as np

from paintsundo.undo.procedural import WORKFLOW_STAGES
from paintsundo.undo.procedural.analysis import Layers
from paintsundo.undo.procedural.behaviours import Behaviours, Roles
from paintsundo.undo.procedural.construction import construction_marks
from paintsundo.undo.procedural.render import RevealFrames
from paintsundo.undo.procedural.strokes import fill_times, stroke_times
from paintsundo.undo.procedural.timeline import Timeline
from paintsundo.undo.procedural.workflows import Workflow
from paintsundo.undo.procedural.workflows.common import change_idea, spread_to_edges, stage_clock

PAPER_LEVELS = 8.0
LINE_LEVEL = 140.0  # pixels darker than this are the drawing's lines; lighter greys are its tone
MIN_TONE = 0.005  # a drawing with less of its area in tone than this is in line alone
FIRST_PASS = 0.6  # and its lines go down this dark before they are given their weight
CONTOUR_OPACITY = 0.45  # the first, light pass over the drawing's own lines
GRAPHITE = np.array([150.0, 150.0, 155.0], np.float32)  # light construction lines


def schedule(
    layers: Layers, timeline: Timeline, behaviours: Behaviours, rng: np.random.Generator
) -> RevealFrames:
    height, width = layers.regions.shape
    cell = max(4, round(max(height, width) / 16))
    construction = _masses(layers, rng)
    # The lines are the drawing's own dark strokes, their full width; its lighter greys are tone.
    # The contours find them lightly first, over the construction, and stay (only the construction
    # is on the layer that fades); the lines stage presses them dark.
    lines = drawn_lines(layers.picture)
    contour_colour = np.broadcast_to(255.0 - CONTOUR_OPACITY * (255.0 - GRAPHITE), layers.picture.shape)
    to_frames = stage_clock(timeline)
    contours = to_frames("contours", stroke_times(lines > 0, rng, cell))
    sketch = to_frames("construction", stroke_times(construction > 0.2, rng, cell))
    darkening = construction[..., None] * (255.0 - GRAPHITE)
    # Tone: the drawing's own shading and hatching, mass by mass, large first; the paper's own grain
    # settles grain by grain over the whole stage rather than as a patch.
    tone_times = fill_times(layers.regions, layers.region_colours, rng, layers.canvas).times
    paper = _paper(layers.picture)
    tone_times[paper] = rng.random(int(paper.sum()), dtype=np.float32)
    tone = to_frames("tone", tone_times)
    # A drawing in line alone (pen, no shading) has no tone to lay: its last stage gives the lines
    # their weight instead, going over them where they end darkest and thickest.
    toned = ~paper & (lines == 0) & (layers.picture.mean(axis=-1) < 230)
    line_weight = FIRST_PASS if toned.mean() < MIN_TONE else 1.0
    never = np.full((height, width), np.inf, np.float32)
    return RevealFrames(
        sketch=spread_to_edges(sketch, construction > 0),
        sketch_darkening=darkening.astype(np.float32),
        ink=to_frames("lines", stroke_times(lines > 0, rng, cell)),
        ground=contours,
        ground_colour=np.ascontiguousarray(contour_colour, dtype=np.float32),
        flat=never,
        flat_colour=layers.picture,
        shading=never,
        shading_colour=layers.picture,
        detail=tone,
        wrong_idea=change_idea(layers, behaviours, tone_times, tone),
        ink_coverage=line_weight * lines,
    )


def drawn_lines(picture: np.ndarray) -> np.ndarray:
    """How much the drawing's dark strokes cover the paper (h w, 0..1): the darkness of each pixel
    darker than LINE_LEVEL, with the soft edge around it, against the paper's own level."""
    grey = picture.mean(axis=-1)
    paper = max(float(np.percentile(grey, 90)), 1.0)
    dark = cv2.dilate((grey < LINE_LEVEL).astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    return np.where(dark, np.clip(1.0 - grey / paper, 0.0, 1.0), 0.0).astype(np.float32)


def _paper(picture: np.ndarray) -> np.ndarray:
    """Pixels of the paper itself: within a few levels of the most common light colour (h w bool)."""
    light = picture[picture.mean(axis=-1) > 200]
    if len(light) == 0:
        return np.zeros(picture.shape[:2], bool)
    levels, counts = np.unique(np.round(light.mean(axis=-1)), return_counts=True)
    tone = levels[np.argmax(counts)]
    return np.abs(picture.mean(axis=-1) - tone) <= PAPER_LEVELS


def _masses(layers: Layers, rng: np.random.Generator) -> np.ndarray:
    """Light construction around the drawing's big masses: its marks, closed into blobs (h w, 0..1)."""
    drawn = (layers.ink > 0.2) | (layers.picture.min(axis=-1) < 200)
    closed = cv2.morphologyEx(drawn.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((15, 15), np.uint8))
    count, labels = cv2.connectedComponents(closed, connectivity=8)
    chosen = np.ones(count, bool)
    chosen[0] = False  # the paper
    return construction_marks(labels, chosen, rng)


WORKFLOW = Workflow(
    name="pencil",
    summary="pencil or ink: construction, contours, clean lines, tone",
    stages=WORKFLOW_STAGES["pencil"],
    weights=(0.18, 0.24, 0.3, 0.28),
    roles=Roles(lines="lines", colour="tone", rendering="tone"),
    schedule=schedule,
    habits=frozenset({"flip", "layer_toggle", "transform"}),
)
