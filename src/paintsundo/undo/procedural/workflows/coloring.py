"""Colouring one's own line art, forwards: the lines inked in order, then flat colours filled region
by region in their final colours, the shadows, the highlights, and the finishing touches. Its layers
are known, not estimated: they come from the colourist."""

from __future__ import annotations

import numpy as np

from paintsundo.undo.procedural import WORKFLOW_STAGES
from paintsundo.undo.procedural.canvas import Canvas
from paintsundo.undo.procedural.flatting import flat_fills, in_sweeps, region_boxes, tone_shapes
from paintsundo.undo.procedural.inking import ink_strokes
from paintsundo.undo.procedural.known import ColoringLayers
from paintsundo.undo.procedural.marks import Mark
from paintsundo.undo.procedural.painterly import finishing_touches
from paintsundo.undo.procedural.plan import Hand, Plan
from paintsundo.undo.procedural.timeline import Timeline
from paintsundo.undo.procedural.workflows import Roles, Workflow

VISIBLE_INK = 0.2  # line opacity from which a pixel belongs to a stroke (fainter ones are its edge)


def plan(
    pixels: np.ndarray,
    timeline: Timeline,
    rng: np.random.Generator,
    habits: frozenset[str],
    known: ColoringLayers | None = None,
) -> tuple[Plan, Canvas]:
    """The lines inked in order, then a fill per region in its final flat colour, then each
    region's shadow and highlight as hard-edged shapes brushed in, then the finishing touches."""
    if not isinstance(known, ColoringLayers):
        raise TypeError("the colouring workflow colours known layers: build them with colouring_layers")
    picture = pixels.astype(np.float32)
    painter = Canvas(pixels, [], reserved=known.canvas & (known.ink <= 0))
    painter.add(
        Hand(timeline.stage("lineart")).time(
            *ink_strokes(pixels, known.ink > VISIBLE_INK, rng, coverage=known.ink)
        )
    )
    sizes = np.bincount(known.regions.ravel(), minlength=known.region_count)
    order = np.argsort(-sizes * rng.uniform(0.8, 1.25, len(sizes)))
    painter.add(
        Hand(timeline.stage("flat")).time(
            *flat_fills(known.regions, known.region_colors, order, known.canvas)
        )
    )
    side = max(pixels.shape[:2])
    painter.add(in_sweeps(Hand(timeline.stage("shading")).time(*_tones(known, known.shadow, order)), side))
    highlights = Hand(timeline.stage("highlights"))
    painter.add(in_sweeps(highlights.time(*_tones(known, known.highlight, order), share=(0.0, 0.6)), side))
    touches = finishing_touches(picture, painter.frame(timeline.frames), highlights, rng, share=(0.6, 1.0))
    return Plan(painter.marks, touches, reserved=painter.reserved), painter


def _tones(known: ColoringLayers, where: np.ndarray, order: np.ndarray) -> tuple[list[Mark], list[float]]:
    """Per region, its part of `where` (shadow or highlight) in the colour the colourist gave it
    there, a lasso per piece (see `tone_shapes`)."""
    marks, efforts = [], []
    side, boxes = max(where.shape), region_boxes(known.regions)
    for region in order:
        if region not in boxes:
            continue
        box = boxes[region]
        mask = where[box] & (known.regions[box] == region) & ~known.canvas[box]
        if mask.sum() < 4:
            continue
        color = np.median(known.picture[box][mask], axis=0)
        shapes, work = tone_shapes(mask, color, side, (box[0].start, box[1].start))
        marks += shapes
        efforts += work
    return marks, efforts


WORKFLOW = Workflow(
    name="colouring",
    summary="colouring one's own line art: the lines in order, flat colours, shadows, highlights",
    stages=WORKFLOW_STAGES["colouring"],
    weights=(0.3, 0.3, 0.22, 0.18),
    roles=Roles(lines="lineart", color="flat", rendering="shading"),
    plan=plan,
    habits=frozenset({"flip", "layer_toggle", "transform"}),
)
