"""Pencil and ink drawing: construction first (circles on the big masses, their axis, and the
picture's own light lines), then light searching curves, then confident dark lines part by part
while the guides fade, then the tone hatched stroke by stroke, and the finishing touches."""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np

from paintsundo.undo.procedural import WORKFLOW_STAGES
from paintsundo.undo.procedural.analysis import REFERENCE_SIDE, ink_lines
from paintsundo.undo.procedural.canvas import Canvas, View
from paintsundo.undo.procedural.hatching import hatch_strokes
from paintsundo.undo.procedural.inking import ink_strokes
from paintsundo.undo.procedural.known import ColoringLayers
from paintsundo.undo.procedural.marks import Area, fill
from paintsundo.undo.procedural.painterly import finishing_touches
from paintsundo.undo.procedural.plan import Hand, Plan
from paintsundo.undo.procedural.sketching import construction, mass_circles, rough
from paintsundo.undo.procedural.timeline import Timeline
from paintsundo.undo.procedural.tracing import trace_lines
from paintsundo.undo.procedural.workflows import Roles, Workflow

PAPER_LEVELS = 8.0
LINE_LEVEL = 140.0  # pixels darker than this are the drawing's lines; lighter greys are its tone
MIN_HATCHING = 20  # a drawing with fewer hatching strokes than this is in line alone
FIRST_PASS = 0.6  # and its lines go down this dark before they are given their weight
CONTOUR_OPACITY = 0.45  # the first, light pass over the drawing's own lines
ROUGH_LINES = 60  # the longest lines searched for in the contours


def plan(
    pixels: np.ndarray,
    timeline: Timeline,
    rng: np.random.Generator,
    habits: frozenset[str],
    known: ColoringLayers | None = None,
) -> tuple[Plan, Canvas]:
    picture = pixels.astype(np.float32)
    side = max(pixels.shape[:2])
    grey = picture.mean(axis=-1)
    paper = _paper(picture)
    ink = drawn_lines(picture)
    dark = ink > 0.25
    # The picture's own light or coloured lines are its construction: drawn first, and kept.
    guides = ~dark & ~paper & (ink_lines(grey, side / REFERENCE_SIDE) > 0.2)
    # Tone is what is neither paper nor a line, nor the soft edge a line leaves in the paper.
    edged = cv2.dilate((dark | guides).astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    toned = ~paper & ~edged
    toned &= grey < 235
    sheet = np.median(picture[paper], axis=0) if paper.any() else np.full(3, 255.0)
    on_toned_paper = np.abs(sheet - 255.0).max() > 2  # the sheet's tone is what it is drawn on: none is white
    reserved = None if on_toned_paper else paper & (grey >= 250)
    painter = Canvas(pixels, [], reserved=reserved)
    building = Hand(timeline.stage("construction"))
    if on_toned_paper:
        painter.add([fill(Area.from_mask(np.ones(paper.shape, bool)), sheet, 1.0)])
    guide_marks, guide_efforts = ink_strokes(pixels, guides, rng, layer="paint")
    circles = construction(mass_circles(_silhouette(dark | guides)), building, rng, side, share=(0.0, 0.6))
    if not guide_marks:  # no light lines of its own: the circles take the whole stage
        circles = building.time(circles, [float(np.ptp(mark.path, axis=0).sum()) for mark in circles])
    painter.add(circles)
    painter.add(building.time(guide_marks, guide_efforts, share=(0.6, 1.0)))
    main = [line for line in trace_lines(dark)[:ROUGH_LINES] if line.length > 0.03 * side]
    painter.add(rough(main, Hand(timeline.stage("contours")), rng, side, share=(0.0, 1.0), passes=3))
    inked, efforts = ink_strokes(pixels, dark, rng, layer="paint", coverage=ink)
    tone = Hand(timeline.stage("tone"))
    hatching = hatch_strokes(pixels, toned, rng)
    if len(hatching[0]) >= MIN_HATCHING:
        painter.add(Hand(timeline.stage("lines")).time(inked, efforts))
        painter.add(tone.time(*hatching, share=(0.0, 0.8)))
    else:  # a drawing in line alone: the lines go down lighter first, and are given their weight last
        # Light pressure lays less graphite, not a see-through line: where two strokes meet, no bead.
        first = [
            replace(
                mark,
                widths=mark.widths * FIRST_PASS,
                outline=None,
                color=tuple(float(c) for c in sheet + (np.asarray(mark.color) - sheet) * FIRST_PASS),
            )
            for mark in inked
        ]
        painter.add(Hand(timeline.stage("lines")).time(first, efforts))
        painter.add(tone.time(inked, efforts, share=(0.0, 0.8)))
    touches = finishing_touches(
        picture, painter.frame(timeline.frames, View(sketch_opacity=0.0)), tone, rng, share=(0.8, 1.0)
    )
    return Plan(painter.marks, touches, reserved=reserved, sketch_opacity=_guides_fade(timeline)), painter


def _silhouette(drawn: np.ndarray) -> np.ndarray:
    """What a drawing's lines enclose, closed over small gaps: its subject (h w bool)."""
    closed = cv2.morphologyEx(drawn.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((15, 15), np.uint8))
    outside = np.pad(closed, 1) == 0
    flood = outside.astype(np.uint8)
    cv2.floodFill(flood, None, (0, 0), 2)
    return flood[1:-1, 1:-1] != 2


def _guides_fade(timeline: Timeline) -> np.ndarray:
    """Per frame: the construction and searching lines whole until the lines are pressed, then
    lifted off gradually under them, gone by the tone."""
    opacity = np.ones(timeline.frames, np.float32)
    lines, tone = timeline.stage("lines"), timeline.stage("tone")
    span = np.arange(lines.start, lines.end)
    opacity[span] = 1.0 - (span - lines.start + 1) / max(1, lines.frames)  # erased as the lines go down
    opacity[tone.start :] = 0.0
    return opacity


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


WORKFLOW = Workflow(
    name="pencil",
    summary="pencil or ink: construction, contours, clean lines, tone",
    stages=WORKFLOW_STAGES["pencil"],
    weights=(0.18, 0.24, 0.3, 0.28),
    roles=Roles(lines="lines", color="tone", rendering="tone"),
    plan=plan,
    habits=frozenset({"flip", "transform"}),
)
