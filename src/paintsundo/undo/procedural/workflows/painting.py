"""Painting (digital, oil, acrylic): no line art. Perhaps an underdrawing of the big masses'
outlines first; the zones blocked in back to front, the background before the figures, with a big
flat brush in their local colour, the rest bare canvas until reached; then a brush half the size
over the whole canvas; then smaller and smaller brushes where the canvas still differs from the
picture, the far half first and the near half (the figure) last, at a pace that follows the work;
then the finishing touches, zone by zone."""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np

from paintsundo.timeline import Stage
from paintsundo.undo.procedural import WORKFLOW_STAGES
from paintsundo.undo.procedural.analysis import CANVAS_LEVEL, region_means
from paintsundo.undo.procedural.canvas import Canvas
from paintsundo.undo.procedural.known import ColoringLayers
from paintsundo.undo.procedural.marks import Mark
from paintsundo.undo.procedural.masses import backdrop, mass_outlines, paint_masses
from paintsundo.undo.procedural.painterly import (
    block_in,
    finishing_touches,
    refine,
    toned_ground,
)
from paintsundo.undo.procedural.plan import Hand, Plan
from paintsundo.undo.procedural.sketching import rough
from paintsundo.undo.procedural.timeline import Timeline
from paintsundo.undo.procedural.workflows import Roles, Workflow

DRAWS_FIRST = 0.6  # the chance that a painter draws before painting
TONES = 0.5  # and that they tone the canvas first
DRAWING_SHARE = 0.3  # of the block-in stage, for the drawing
GROUND_SHARE = 0.12  # and for the ground
DRAWN_LINES = 24  # the longest outlines: the big shapes, not their detail
DRAWING_COLOR = (128.0, 112.0, 98.0)  # a brown pencil or a thin brush of burnt umber, thinned
FIGURE_DEPTH = 6.0  # a figure comes after the background: more than aerial perspective's whole range
NEAR_SHARE = 0.5  # the nearest zones that cover this share of the picture are finished last
FINER_LEVELS = (1, 2, 3)  # brushes a quarter, an eighth and a sixteenth the block-in's size
TOUCHES_FROM = 0.65  # the share of the accents stage before the touches


def plan(
    pixels: np.ndarray,
    timeline: Timeline,
    rng: np.random.Generator,
    habits: frozenset[str],
    known: ColoringLayers | None = None,
) -> tuple[Plan, Canvas]:
    picture = pixels.astype(np.float32)
    bare = picture.min(axis=-1) >= CANVAS_LEVEL  # bare canvas: paint goes around it
    zones = paint_masses(picture)
    far_to_near = np.argsort(nearness(zones, picture))
    reserved = bare if bare.any() else None
    painter = Canvas(pixels, [], reserved=reserved)
    last = timeline.frames
    # Many painters draw first (digital painters most of all), and the drawing disappears under the
    # paint; some tone the canvas first. Each picture and seed gets its own painter.
    approach = {"drawing_first": bool(rng.random() < DRAWS_FIRST), "toned_ground": bool(rng.random() < TONES)}
    blocking = Hand(timeline.stage("block-in"))
    begin = 0.0
    if approach["toned_ground"]:
        painter.add(toned_ground(picture, blocking, rng, (0.0, GROUND_SHARE)))
        begin = GROUND_SHARE
    if approach["drawing_first"]:
        painter.add(_drawing(zones, blocking, rng, (begin, begin + DRAWING_SHARE)))
        begin += DRAWING_SHARE
    painter.add(block_in(picture, zones, far_to_near, blocking, rng, share=(begin, 1.0)))
    blocked = painter.frame(last)
    forms = refine(picture, blocked, 0, Hand(timeline.stage("forms")), rng)
    painter.add(forms)
    finished = _finish(picture, painter, blocked, len(forms), nearest_half(zones, far_to_near), timeline, rng)
    painter = Canvas(pixels, finished, reserved=reserved)
    accents = Hand(timeline.stage("accents"))
    touches = finishing_touches(picture, painter.frame(last), accents, rng, (TOUCHES_FROM, 1.0), zones)
    return Plan(painter.marks, touches, reserved=reserved, choices=approach), painter


def _finish(
    picture: np.ndarray,
    painter: Canvas,
    blocked: np.ndarray,
    forms: int,
    near: np.ndarray,
    timeline: Timeline,
    rng: np.random.Generator,
) -> list[Mark]:
    """The far half finished, then the near half (the figure), each with smaller and smaller
    brushes where the canvas is still wrong: the forms (the painter's last `forms` marks, laid on
    the `blocked` canvas, h w 3) and the far half from the forms stage to the accents, the figure
    in the accents up to the touches. Each mark takes a time in proportion to the change it makes
    (see `changes`), so the canvas changes at an even pace and a far half with little left to do
    leaves its time to the forms. All the painter's marks, these so timed and each named for the
    stage it falls in."""
    forms_stage, accents = timeline.stage("forms"), timeline.stage("accents")
    touching = int(np.ceil(accents.start + TOUCHES_FROM * accents.frames))  # the first touch's frame
    planned = len(painter.marks) - forms
    forms_marks = list(painter.marks[planned:])
    # The forms and the far half, then the figure: each a list of marks and the change each makes.
    groups = [(forms_marks, list(changes(forms_marks, blocked))), ([], [])]
    for (marks, weights), where in zip(groups, (~near, near), strict=True):
        for level in FINER_LEVELS:
            # Planned on the canvas as it stands, all after the forms until re-timed.
            canvas = painter.frame(timeline.frames)
            finer = refine(picture, canvas, level, Hand(timeline.stage("focus")), rng, (0.0, 0.0), where)
            marks.extend(finer)
            weights.extend(changes(finer, canvas))
            painter.add(finer)
    spans = [Stage("focus", forms_stage.start, accents.start), Stage("accents", accents.start, touching)]
    if not groups[1][0]:  # no figure to finish: the far half takes the accents too
        spans[0] = Stage("focus", forms_stage.start, touching)
    timed = [
        mark
        for (marks, weights), span in zip(groups, spans, strict=True)
        for mark in Hand(span).time(marks, weights)
    ]
    named = [replace(mark, stage=timeline.stage_at(int(mark.start))) for mark in timed]
    return list(painter.marks[:planned]) + named


def changes(marks: list[Mark], canvas: np.ndarray) -> np.ndarray:
    """How much each stroke changes the canvas: its length times its width times how far its colour
    is from the canvas under its path (RGB levels, at least 1). A painter's pace is even in what
    they change: a big correction is mixed and placed with care, a touch-up of a colour nearly
    there goes quickly. (All strokes' points at once: one lookup, not one a stroke.)"""
    if not marks:
        return np.zeros(0)
    points = np.concatenate([mark.path for mark in marks])  # all the paths' points, n 2
    owner = np.repeat(np.arange(len(marks)), [len(mark.path) for mark in marks])
    xs = np.clip(points[:, 0].astype(np.intp), 0, canvas.shape[1] - 1)
    ys = np.clip(points[:, 1].astype(np.intp), 0, canvas.shape[0] - 1)
    colors = np.array([mark.color for mark in marks], np.float32)
    far = np.linalg.norm(canvas[ys, xs] - colors[owner], axis=-1)
    counts = np.bincount(owner, minlength=len(marks))
    mean_far = np.maximum(1.0, np.bincount(owner, far, len(marks)) / counts)
    widths = np.array([float(mark.widths.mean()) for mark in marks])
    return counts * widths * mean_far


def _drawing(
    zones: np.ndarray, hand: Hand, rng: np.random.Generator, share: tuple[float, float]
) -> list[Mark]:
    """An underdrawing that places the big shapes: the outlines of the biggest masses (see
    `mass_outlines`), long and smooth and a little off, in a few light passes of a brown pencil on
    the canvas itself, where the paint will cover it; the longest first."""
    side = max(zones.shape)
    lines = mass_outlines(zones)[:DRAWN_LINES]
    return rough(
        lines, hand, rng, side, share=share, passes=2, layer="paint", color=DRAWING_COLOR, opacity=1.0
    )


def nearest_half(zones: np.ndarray, far_to_near: np.ndarray) -> np.ndarray:
    """Where the nearest zones lie that together cover about NEAR_SHARE of the picture (h w bool)."""
    near_to_far = far_to_near[::-1]
    sizes = np.bincount(zones.ravel(), minlength=len(far_to_near))[near_to_far]
    return np.isin(zones, near_to_far[np.cumsum(sizes) - sizes < NEAR_SHARE * zones.size])


def nearness(labels: np.ndarray, picture: np.ndarray) -> np.ndarray:
    """How near each labelled area looks, per label. The background (the zones along the picture's
    edge, see `backdrop`) lies behind the figures; within each, low, saturated, sharp and small
    areas are near, as far things are high, greyed by the air, soft and broad (aerial perspective)."""
    count = int(labels.max()) + 1
    ys = np.mgrid[0 : labels.shape[0], 0 : labels.shape[1]][0].astype(np.float64)
    sizes = np.maximum(np.bincount(labels.ravel(), minlength=count), 1).astype(np.float64)
    low = np.bincount(labels.ravel(), ys.ravel(), count) / sizes / labels.shape[0]
    colors = region_means(labels, picture)
    saturation = (colors.max(axis=1) - colors.min(axis=1)) / 255.0
    sharpness = np.abs(cv2.Laplacian(cv2.cvtColor(picture, cv2.COLOR_RGB2GRAY), cv2.CV_32F))
    detail = np.bincount(labels.ravel(), sharpness.ravel(), count) / sizes
    aerial = low + saturation + detail / (detail.max() + 1e-6) - 0.5 * sizes / sizes.max()
    return aerial + FIGURE_DEPTH * (1.0 - backdrop(labels, picture))


WORKFLOW = Workflow(
    name="painting",
    summary="painting: zones blocked in back to front with a big brush, smaller brushes, finishing touches",
    stages=WORKFLOW_STAGES["painting"],
    weights=(0.5, 0.18, 0.15, 0.17),  # a long block-in: the near zones stay bare canvas past 40% of the time
    roles=Roles(lines=None, color="block-in", rendering="forms"),
    plan=plan,
    habits=frozenset({"flip", "color_curve", "transform"}),
)
