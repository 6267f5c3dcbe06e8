"""Compositing one frame from the layers, their reveal times and the frame's behaviour state."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from paintsundo.undo.procedural.analysis import Layers
from paintsundo.undo.procedural.behaviours import Behaviours, FrameState, Transform

WHITE = 255.0


@dataclass(frozen=True)
class RevealFrames:
    """A workflow's plan: for each layer, the frame (fractional) from which each pixel is painted
    (inf if never), and what the colour layers hold (h w 3 float32)."""

    sketch: np.ndarray
    sketch_darkening: np.ndarray  # how much the full-opacity sketch darkens white
    ink: np.ndarray
    ground: np.ndarray  # laid first, under what is painted over it later
    ground_colour: np.ndarray
    flat: np.ndarray
    flat_colour: np.ndarray
    shading: np.ndarray
    shading_colour: np.ndarray
    detail: np.ndarray  # the finished picture itself
    wrong_idea: np.ndarray  # for the change-of-idea region's first attempt
    ink_coverage: np.ndarray | None = None  # the lines' own opacity (h w 0..1), if not the analysis's
    ink_colour: np.ndarray | None = None  # the lines' own colour (h w 3), if not black


def render(layers: Layers, reveal: RevealFrames, behaviours: Behaviours, frame: int) -> np.ndarray:
    """The canvas on `frame` as RGB uint8 (h w 3)."""
    state = behaviours.state(frame)
    canvas = np.full(layers.picture.shape, WHITE, np.float32)
    if state.sketch_opacity > 0:
        _draw_sketch(canvas, reveal.sketch_darkening, reveal.sketch <= frame, state.sketch_opacity)
    _paint_colours(canvas, reveal, state, frame)
    if state.wrong_idea_visible:
        _paint_wrong_idea(canvas, reveal, behaviours, frame)
    if state.lines_visible:
        coverage = layers.ink if reveal.ink_coverage is None else reveal.ink_coverage
        _ink(canvas, coverage, reveal.ink <= frame, reveal.ink_colour)
    if state.warp_amount > 0 and behaviours.transform is not None:
        _displace_region(canvas, behaviours.transform, state.warp_amount)
    # OpenCV's masked copies and conversions are several times faster than NumPy's here.
    cv2.copyTo(layers.picture, _mask(reveal.detail <= frame), canvas)
    if state.flipped:
        canvas = cv2.flip(canvas, 1)
    return cv2.convertScaleAbs(canvas)


def _mask(condition: np.ndarray) -> np.ndarray:
    return condition.view(np.uint8)


def _draw_sketch(canvas: np.ndarray, sketch: np.ndarray, drawn: np.ndarray, opacity: float) -> None:
    darkening = np.zeros_like(canvas)
    cv2.copyTo(sketch, _mask(drawn), darkening)
    cv2.scaleAdd(darkening, -opacity, canvas, dst=canvas)


def _paint_colours(canvas: np.ndarray, reveal: RevealFrames, state: FrameState, frame: int) -> None:
    cv2.copyTo(reveal.ground_colour, _mask(reveal.ground <= frame), canvas)
    painted = _mask(reveal.flat <= frame)
    cv2.copyTo(reveal.flat_colour, painted, canvas)
    cv2.copyTo(reveal.shading_colour, _mask(reveal.shading <= frame), canvas)
    if state.curve_amount > 0:
        cv2.copyTo(cv2.transform(canvas, before_curve(state.curve_amount)), painted, canvas)


def before_curve(amount: float) -> np.ndarray:
    """The colour transform (3 4) undone by the artist's curve adjustment: lifted, flatter, greyer."""
    saturation = 1.0 - 0.3 * amount
    contrast = 1.0 - 0.2 * amount
    greying = np.full((3, 3), (1.0 - saturation) / 3.0) + np.eye(3) * saturation
    offset = 128.0 * (1.0 - contrast) + 14.0 * amount
    return np.hstack([greying * contrast, np.full((3, 1), offset)]).astype(np.float32)


def _paint_wrong_idea(canvas: np.ndarray, reveal: RevealFrames, behaviours: Behaviours, frame: int) -> None:
    canvas[reveal.wrong_idea <= frame] = behaviours.idea.wrong_colour


def _ink(canvas: np.ndarray, ink: np.ndarray, drawn: np.ndarray, colour: np.ndarray | None) -> None:
    coverage = np.zeros_like(ink)
    cv2.copyTo(ink, _mask(drawn), coverage)
    cv2.multiply(canvas, cv2.merge([1.0 - coverage] * 3), dst=canvas)
    if colour is not None:  # lines of their own colour: canvas (1 - a) + colour a
        cv2.add(canvas, cv2.multiply(colour, cv2.merge([coverage] * 3)), dst=canvas)


def _displace_region(canvas: np.ndarray, transform: Transform, amount: float) -> None:
    x0, y0, x1, y1 = transform.box
    identity = np.array([[1, 0, 0], [0, 1, 0]], np.float32)
    matrix = identity + (transform.matrix - identity) * amount
    patch = canvas[y0:y1, x0:x1]
    moved = cv2.warpAffine(
        patch, matrix, (x1 - x0, y1 - y0), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    weight = transform.feather[..., None]
    canvas[y0:y1, x0:x1] = patch * (1.0 - weight) + moved * weight
