"""Cel and line-art illustration (anime, comics): construction circles and a rough in light pencil,
clean lines inked stroke by stroke over it, flat colours bucket-filled region by region under the
lines, hard-edged shadows and lights, then the finishing touches."""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np

from paintsundo.undo.procedural import WORKFLOW_STAGES
from paintsundo.undo.procedural.analysis import (
    CANVAS_LEVEL,
    REFERENCE_SIDE,
    flat_regions,
    frame_band,
    ink_lines,
    region_means,
    remove_ink,
)
from paintsundo.undo.procedural.canvas import Canvas, View
from paintsundo.undo.procedural.flatting import flat_fills, in_sweeps, one_flat_per_color, tone_fills
from paintsundo.undo.procedural.inking import ink_strokes
from paintsundo.undo.procedural.known import ColoringLayers
from paintsundo.undo.procedural.marks import Mark
from paintsundo.undo.procedural.painterly import finishing_touches
from paintsundo.undo.procedural.plan import Hand, Plan
from paintsundo.undo.procedural.sketching import construction, mass_circles, rough
from paintsundo.undo.procedural.timeline import Event, Timeline, place
from paintsundo.undo.procedural.tracing import trace_lines
from paintsundo.undo.procedural.workflows import Roles, Workflow

INKED_OPACITY = 0.3  # line-art opacity from which a pixel is part of a line to ink
BACKGROUND_BORDER = 0.2  # a region along this share of the picture's border is its background
ROUGH_LINES = 60  # the longest lines searched for in the rough
SKETCH_WHILE_INKING = (0.55, 0.3)  # the sketch layer's opacity as inking starts, and as it ends


def plan(
    pixels: np.ndarray,
    timeline: Timeline,
    rng: np.random.Generator,
    habits: frozenset[str],
    known: ColoringLayers | None = None,
) -> tuple[Plan, Canvas]:
    picture = pixels.astype(np.float32)
    side = max(pixels.shape[:2])
    grey = cv2.cvtColor(picture, cv2.COLOR_RGB2GRAY)
    ink = np.where(
        frame_band(picture, max(2, round(4 * side / REFERENCE_SIDE))),
        0.0,
        ink_lines(grey, side / REFERENCE_SIDE),
    )
    lines = ink > INKED_OPACITY
    base = remove_ink(picture, ink, sigma=max(0.8, 2.5 * side / REFERENCE_SIDE))
    regions, colors = one_flat_per_color(*_regions(base))
    bare = picture.min(axis=-1) >= CANVAS_LEVEL
    background = _background(regions, bare)
    painter = Canvas(pixels, [], reserved=bare)

    sketching = Hand(timeline.stage("sketch"))
    circles = mass_circles(_figure(lines, side) & ~np.isin(regions, background) & ~bare)
    main_lines = [line for line in trace_lines(lines)[:ROUGH_LINES] if line.length > 0.03 * side]
    painter.add(construction(circles, sketching, rng, side) + rough(main_lines, sketching, rng, side))
    painter.add(Hand(timeline.stage("lineart")).time(*ink_strokes(pixels, lines, rng, coverage=ink)))

    sizes = np.bincount(regions.ravel(), minlength=len(colors))
    figure_first = np.lexsort(
        (-sizes * rng.uniform(0.8, 1.25, len(sizes)), np.isin(np.arange(len(sizes)), background))
    )
    flats = Hand(timeline.stage("flat")).time(*flat_fills(regions, colors, figure_first, bare))
    flats, idea = _change_of_idea(flats, timeline, rng, habits)
    painter.add(flats)
    # The shadows, then the lights, each group taking the time its work needs; a big shape is
    # swept in over the frames it takes.
    shadows = tone_fills(pixels, regions, colors, figure_first, True, bare)
    lights = tone_fills(pixels, regions, colors, figure_first, False, bare)
    split = sum(shadows[1]) / max(sum(shadows[1]) + sum(lights[1]), 1e-9)
    shading = Hand(timeline.stage("shading"))
    tones = shading.time(*shadows, share=(0.0, split)) + shading.time(*lights, share=(split, 1.0))
    painter.add(in_sweeps(tones, side))
    # The details go region by region, as a colourist finishes one part before the next.
    detail = Hand(timeline.stage("detail"))
    touches = finishing_touches(
        picture, painter.frame(timeline.frames, View(sketch_opacity=0.0)), detail, rng, areas=regions
    )
    events = _sketch_events(timeline) + idea
    sketch = _sketch_opacity(timeline)
    return Plan(painter.marks, touches, reserved=bare, sketch_opacity=sketch, events=events), painter


def _regions(base: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    regions = flat_regions(base)
    return regions, region_means(regions, base)


def _background(regions: np.ndarray, bare: np.ndarray) -> np.ndarray:
    """The regions that run along much of the picture's border, or are bare paper."""
    count = int(regions.max()) + 1
    border = np.concatenate([regions[0], regions[-1], regions[:, 0], regions[:, -1]])
    along = np.bincount(border, minlength=count) > BACKGROUND_BORDER * len(border)
    sizes = np.maximum(np.bincount(regions.ravel(), minlength=count), 1)
    paper = np.bincount(regions.ravel(), bare.ravel(), count) > 0.5 * sizes
    return np.flatnonzero(along | paper)


def _figure(lines: np.ndarray, side: int) -> np.ndarray:
    """Where the figure is: the line art closed into masses (an illustration's lines are on its
    figure; a background is painted with few), holes filled (h w bool)."""
    reach = max(3, round(0.03 * side)) | 1
    closed = cv2.morphologyEx(lines.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((reach, reach), np.uint8))
    flood = np.pad(closed, 1)
    cv2.floodFill(flood, None, (0, 0), 2)
    return flood[1:-1, 1:-1] != 2


def _sketch_opacity(timeline: Timeline) -> np.ndarray:
    """Per frame: the sketch layer whole while sketching, lowered and fading while inking, hidden
    once colouring starts."""
    opacity = np.ones(timeline.frames, np.float32)
    lineart, flat = timeline.stage("lineart"), timeline.stage("flat")
    first, last = SKETCH_WHILE_INKING
    span = np.arange(lineart.start, lineart.end)
    opacity[span] = first + (last - first) * (span - lineart.start) / max(1, lineart.frames - 1)
    opacity[flat.start :] = 0.0
    return opacity


def _sketch_events(timeline: Timeline) -> tuple[Event, ...]:
    lineart, flat = timeline.stage("lineart"), timeline.stage("flat")
    hidden = min(flat.start, timeline.frames - 1)
    events = [Event("layer_hidden", hidden, hidden + 1, {"layer": "sketch"})]
    if lineart.frames > 0:
        events.insert(0, Event("layer_opacity", lineart.start, lineart.start + 1, {"layer": "sketch"}))
    return tuple(events)


def _change_of_idea(
    flats: list[Mark], timeline: Timeline, rng: np.random.Generator, habits: frozenset[str]
) -> tuple[list[Mark], tuple[Event, ...]]:
    """One mid-sized region filled in another colour early in the flats, erased, and filled again in
    its own colour."""
    stage = timeline.stage("flat")
    span = place(stage, 0.05, 8)
    if "change_of_idea" not in habits or span is None or not flats:
        return flats, ()
    total = sum(mark.area.pixels for mark in flats if mark.area is not None)
    candidates = [i for i, mark in enumerate(flats) if mark.area and 0.01 < mark.area.pixels / total < 0.12]
    if not candidates:
        return flats, ()
    chosen = flats[int(rng.choice(candidates))]
    drawn = float(span[0])
    wrong = replace(chosen, color=_other_hue(chosen.color, rng), start=drawn, end=drawn)
    erase = replace(chosen, kind="erase", start=drawn + 3, end=drawn + 3)
    again = replace(chosen, start=drawn + 5, end=drawn + 5)
    detail = {"region_pixels": chosen.area.pixels, "erased": int(drawn) + 3, "redrawn": int(drawn) + 5}
    event = Event("change_of_idea", int(drawn), int(drawn) + 7, detail)
    return [mark for mark in flats if mark is not chosen] + [wrong, erase, again], (event,)


def _other_hue(color: tuple[float, float, float], rng: np.random.Generator) -> np.ndarray:
    """The colour turned to another hue, and not too grey to read as a choice."""
    hsv = cv2.cvtColor(np.uint8([[color]]), cv2.COLOR_RGB2HSV).astype(np.int32)
    hsv[..., 0] = (hsv[..., 0] + rng.integers(50, 130)) % 180
    hsv[..., 1] = np.maximum(hsv[..., 1], 90)
    return cv2.cvtColor(hsv.astype(np.uint8), cv2.COLOR_HSV2RGB).reshape(3).astype(np.float32)


WORKFLOW = Workflow(
    name="cel",
    summary="line art: construction and rough, inked lines, flat fills, shadows and lights, finish",
    stages=WORKFLOW_STAGES["cel"],
    weights=(0.14, 0.24, 0.22, 0.22, 0.18),
    roles=Roles(lines="lineart", color="flat", rendering="shading"),
    plan=plan,
    habits=frozenset({"flip", "layer_toggle", "transform", "change_of_idea"}),
)
