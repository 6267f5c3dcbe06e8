"""The habits of digital artists that the Paints-UNDO README lists, placed on the timeline.

Each behaviour decides on which frames it shows and what it needs (a region, a transform); the
renderer turns that into pixels through `FrameState`.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from paintsundo.undo.procedural.analysis import Layers
from paintsundo.undo.procedural.timeline import Event, Stage, Timeline, place

SKETCH_OPACITY_WHILE_INKING = (0.55, 0.3)  # lowered when inking starts, fading to the second value


@dataclass(frozen=True)
class Roles:
    """Which of a workflow's stages the habits live in."""

    lines: str | None  # lines are drawn: the sketch fades, a part is moved, the line layer toggled
    colour: str  # colour starts: the sketch is put away, an idea is changed
    rendering: str  # the colours are adjusted with a curve


@dataclass(frozen=True)
class FrameState:
    """How the layers are shown on one frame."""

    sketch_opacity: float
    lines_visible: bool
    curve_amount: float  # 1: colours as first laid down; 0: after the curve adjustment
    warp_amount: float  # 1: the transformed region still at its first, slightly wrong place
    flipped: bool
    wrong_idea_visible: bool


@dataclass(frozen=True)
class Transform:
    """A lasso-and-move: a region first drawn slightly off, then moved into place."""

    frames: tuple[int, int]
    matrix: np.ndarray  # 2 3: maps final coordinates to where the region was first drawn
    box: tuple[int, int, int, int]  # x0 y0 x1 y1
    feather: np.ndarray  # box-sized float32 mask, 1 inside the lasso


@dataclass(frozen=True)
class ChangeOfIdea:
    """A region painted in one colour, erased, then painted in its final colour."""

    region: int
    wrong_colour: np.ndarray  # 3 float32
    drawn: int
    erased: int
    redrawn: int


@dataclass(frozen=True)
class Behaviours:
    events: tuple[Event, ...]
    flip: tuple[int, int] | None
    toggle: tuple[int, int] | None
    curve: tuple[int, int] | None
    transform: Transform | None
    idea: ChangeOfIdea | None
    lines: Stage | None  # the stage the sketch fades in
    sketch_hidden: int

    def state(self, frame: int) -> FrameState:
        return FrameState(
            sketch_opacity=self._sketch_opacity(frame),
            lines_visible=not _within(frame, self.toggle),
            curve_amount=_ramp_down(frame, self.curve),
            warp_amount=_ramp_down(frame, self.transform.frames if self.transform else None),
            flipped=_within(frame, self.flip),
            wrong_idea_visible=self.idea is not None and frame < self.idea.erased,
        )

    def _sketch_opacity(self, frame: int) -> float:
        if frame >= self.sketch_hidden:
            return 0.0
        if self.lines is None or frame < self.lines.start:
            return 1.0
        first, last = SKETCH_OPACITY_WHILE_INKING
        progress = (frame - self.lines.start) / max(1, self.lines.frames - 1)
        return first + (last - first) * min(1.0, progress)


def _within(frame: int, span: tuple[int, int] | None) -> bool:
    return span is not None and span[0] <= frame < span[1]


def _ramp_down(frame: int, span: tuple[int, int] | None) -> float:
    """1 before the span, falling linearly across it, 0 from its end on (0 throughout if None)."""
    if span is None or frame >= span[1]:
        return 0.0
    if frame < span[0]:
        return 1.0
    return 1.0 - (frame - span[0] + 1) / (span[1] - span[0] + 1)


def plan_behaviours(
    timeline: Timeline, layers: Layers, enabled: frozenset[str], rng: np.random.Generator, roles: Roles
) -> Behaviours:
    """Place each enabled habit in the stage its role names; the sketch fades and is put away."""
    lines = timeline.stage(roles.lines) if roles.lines else None
    colour, rendering = timeline.stage(roles.colour), timeline.stage(roles.rendering)
    events: list[Event] = []
    if lines is not None and lines.frames > 0:
        events.append(Event("layer_opacity", lines.start, lines.start + 1, {"layer": "sketch"}))
    sketch_hidden = min(colour.start, timeline.frames - 1)
    events.append(Event("layer_hidden", sketch_hidden, sketch_hidden + 1, {"layer": "sketch"}))

    flip = toggle = curve = None
    if "flip" in enabled:
        hosts = [stage for stage in (lines, colour, rendering) if stage is not None]
        host = hosts[rng.integers(len(hosts))]
        flip = place(host, rng.uniform(0.3, 0.7), 2)
        if flip:
            events.append(Event("flip", *flip, {"stage": host.name}))
    if "layer_toggle" in enabled and lines is not None:
        host = (colour, rendering)[rng.integers(2)]
        toggle = place(host, rng.uniform(0.55, 0.85), 2)
        if toggle and not _overlaps(toggle, flip):
            events.append(Event("layer_toggle", *toggle, {"layer": "lineart", "stage": host.name}))
        else:
            toggle = None
    if "color_curve" in enabled:
        curve = place(rendering, 0.0, 2)
        if curve and not _overlaps(curve, flip) and not _overlaps(curve, toggle):
            events.append(Event("color_curve", *curve, {"stage": rendering.name}))
        else:
            curve = None
    transform = None
    if "transform" in enabled:
        transform = _plan_transform(lines or rendering, layers, rng, (flip, toggle))
    if transform:
        x0, y0, x1, y1 = transform.box
        events.append(Event("transform", *transform.frames, {"box": [int(v) for v in (x0, y0, x1, y1)]}))
    idea = _plan_change_of_idea(colour, layers, rng) if "change_of_idea" in enabled else None
    if idea:
        detail = {
            "region_pixels": int((layers.regions == idea.region).sum()),
            "erased": idea.erased,
            "redrawn": idea.redrawn,
        }
        events.append(Event("change_of_idea", idea.drawn, idea.redrawn + 2, detail))
    events.sort(key=lambda event: (event.start, event.kind))
    return Behaviours(tuple(events), flip, toggle, curve, transform, idea, lines, sketch_hidden)


def _overlaps(span: tuple[int, int] | None, other: tuple[int, int] | None) -> bool:
    return span is not None and other is not None and span[0] <= other[1] and other[0] <= span[1]


def _plan_transform(
    stage: Stage, layers: Layers, rng: np.random.Generator, taken: tuple[tuple[int, int] | None, ...]
) -> Transform | None:
    """A part moved into place late in the stage, or earlier where another habit has those frames."""
    candidates = (place(stage, fraction, 2) for fraction in (rng.uniform(0.6, 0.8), 0.35, 0.9, 0.15))
    frames = next((span for span in candidates if span and not any(_overlaps(span, t) for t in taken)), None)
    if frames is None:
        return None
    height, width = layers.ink.shape
    # Move the part with the most ink in a window a third of the picture across: usually the face.
    window = max(3, int(min(height, width) / 3)) | 1
    density = cv2.boxFilter(layers.ink, -1, (window, window))
    cy, cx = np.unravel_index(int(np.argmax(density)), density.shape)
    half = window // 2
    x0, y0 = max(0, cx - half), max(0, cy - half)
    x1, y1 = min(width, cx + half + 1), min(height, cy + half + 1)
    if x1 - x0 < 4 or y1 - y0 < 4:
        return None
    box_h, box_w = y1 - y0, x1 - x0
    angle = rng.uniform(2.0, 4.0) * rng.choice([-1, 1])
    shift = rng.uniform(0.03, 0.06, 2) * (box_w, box_h) * rng.choice([-1, 1], 2)
    matrix = cv2.getRotationMatrix2D((box_w / 2, box_h / 2), angle, rng.uniform(0.94, 0.97))
    matrix[:, 2] += shift
    feather = np.zeros((box_h, box_w), np.float32)
    cv2.ellipse(feather, (box_w // 2, box_h // 2), (box_w // 2 - 1, box_h // 2 - 1), 0, 0, 360, 1.0, -1)
    feather = cv2.GaussianBlur(feather, (0, 0), max(1.0, box_w / 20))
    return Transform(frames, matrix.astype(np.float32), (x0, y0, x1, y1), feather)


def _plan_change_of_idea(stage: Stage, layers: Layers, rng: np.random.Generator) -> ChangeOfIdea | None:
    span = place(stage, 0.05, 8)
    if span is None:
        return None
    sizes = np.bincount(layers.regions.ravel(), minlength=layers.region_count) / layers.regions.size
    candidates = np.flatnonzero((sizes > 0.01) & (sizes < 0.12))
    if len(candidates) == 0:
        return None
    region = int(rng.choice(candidates))
    colour = layers.region_colours[region]
    hsv = cv2.cvtColor(colour.reshape(1, 1, 3).astype(np.uint8), cv2.COLOR_RGB2HSV).astype(np.int32)
    hsv[..., 0] = (hsv[..., 0] + rng.integers(50, 130)) % 180
    hsv[..., 1] = np.maximum(hsv[..., 1], 90)
    wrong = cv2.cvtColor(hsv.astype(np.uint8), cv2.COLOR_HSV2RGB).reshape(3).astype(np.float32)
    drawn = span[0]
    return ChangeOfIdea(region, wrong, drawn=drawn, erased=drawn + 3, redrawn=drawn + 5)
