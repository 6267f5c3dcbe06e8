"""How a painter lays paint: zones blocked in back to front with a big brush, then smaller brushes
where the canvas still differs most from the picture, then the finishing touches.

The strokes come from `brushwork` (Hertzmann 98); the zones from `masses` (Felzenszwalb 2004),
ordered far to near by aerial perspective (Gurney, *Color and Light*, 2010).
"""

from __future__ import annotations

import cv2
import numpy as np

from paintsundo.procedural.brushwork import Brushstrokes, plan_brushstrokes, reference_at
from paintsundo.procedural.canvas import Canvas
from paintsundo.procedural.marks import Mark, stroke
from paintsundo.procedural.plan import Hand, Touches

BLOCK_IN_RADIUS = 0.045  # the block-in brush's radius, as a share of the picture's long side
BLOCK_IN_ERROR = 20.0  # a grid cell whose colour is this far (RGB) from the picture gets a stroke
REFINE_ERROR = (16.0, 13.0, 11.0)  # the same, for each smaller brush in turn (halving the radius)
GRAIN = 0.2  # how much the brush's dry texture shows in a stroke


def paint_strokes(strokes: Brushstrokes, order: np.ndarray, stage: str) -> tuple[list[Mark], np.ndarray]:
    """Marks for planned brushstrokes in `order`, and the effort of each (its length)."""
    marks, efforts = [], []
    for index in order:
        path = strokes.paths[index]
        # A loaded brush lands, presses, and lifts: the width swells and tapers along the stroke.
        along = np.linspace(0.25, np.pi - 0.25, len(path))
        widths = 2.0 * strokes.radius * (0.55 + 0.45 * np.sin(along))
        marks.append(stroke(path, widths, strokes.colours[index], 0, 0, grain=GRAIN, stage=stage))
        efforts.append(len(path) + 2.0)
    return marks, np.asarray(efforts)


def block_in(
    picture: np.ndarray, zones: np.ndarray, far_to_near: np.ndarray, hand: Hand, rng: np.random.Generator
) -> list[Mark]:
    """The zones painted back to front with the big brush in their local colour; a zone's strokes
    stay inside it, and zones not reached yet stay bare canvas."""
    radius = BLOCK_IN_RADIUS * max(picture.shape[:2])
    reference = reference_at(picture, radius)
    paper = np.full_like(picture, 255.0)
    strokes = plan_brushstrokes(reference, paper, radius, BLOCK_IN_ERROR, rng, zones=zones, max_steps=10)
    zone_of = np.array([zones[int(path[0, 1]), int(path[0, 0])] for path in strokes.paths], np.int64)
    rank = np.empty(len(far_to_near), np.int64)
    rank[far_to_near] = np.arange(len(far_to_near))
    order = np.lexsort((rng.random(len(zone_of)), rank[zone_of])) if len(zone_of) else zone_of
    return hand.time(*paint_strokes(strokes, order, "block-in"))


def refine(
    picture: np.ndarray, canvas: np.ndarray, level: int, hand: Hand, rng: np.random.Generator
) -> list[Mark]:
    """One pass of a brush half the last one's size, where the canvas still differs from the picture."""
    radius = BLOCK_IN_RADIUS * max(picture.shape[:2]) / 2 ** (level + 1)
    reference = reference_at(picture, radius)
    strokes = plan_brushstrokes(reference, canvas, radius, REFINE_ERROR[level], rng, max_steps=10)
    order = rng.permutation(len(strokes.paths))
    return hand.time(*paint_strokes(strokes, order, hand.stage.name))


def finishing_touches(
    picture: np.ndarray, canvas: np.ndarray, hand: Hand, rng: np.random.Generator
) -> Touches:
    """Small touches over every pixel the canvas has not got right, the worst first: they lay the
    picture's own pixels, so the last frame is the picture."""
    height, width = picture.shape[:2]
    cell = max(3, round(max(height, width) / 160))
    # Cells of a grid bent by smooth noise read as dabs, not tiles.
    wobble = cell * 0.9
    noise = rng.normal(0, 1, (2, height // (cell * 2) + 2, width // (cell * 2) + 2)).astype(np.float32)
    dx, dy = (cv2.resize(n, (width, height), interpolation=cv2.INTER_CUBIC) * wobble for n in noise)
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    columns = width // cell + 2
    labels = ((ys + dy + cell) // cell).astype(np.int64) * columns + ((xs + dx + cell) // cell).astype(
        np.int64
    )
    wrong = np.any(np.abs(canvas - picture) > 0.5, axis=-1)
    ids, labels = np.unique(np.where(wrong, labels, -1), return_inverse=True)
    labels = labels.reshape(height, width).astype(np.int32) - (1 if ids[0] == -1 else 0)
    count = int(labels.max()) + 1
    if count <= 0:
        return Touches.none((height, width))
    error = np.linalg.norm(canvas - picture, axis=-1)
    inside = labels >= 0
    worst = np.bincount(labels[inside], error[inside], count) / np.maximum(
        np.bincount(labels[inside], None, count), 1
    )
    order = np.argsort(-worst * rng.uniform(0.7, 1.3, count))
    frames = np.empty(count, np.float32)
    frames[order] = hand.stage.start + (hand.stage.frames - 1) * np.arange(count) / max(count - 1, 1)
    return Touches(labels, frames)


def laid(picture: np.ndarray, marks: list[Mark]) -> np.ndarray:
    """The canvas once `marks` are all laid (h w 3 float32)."""
    return Canvas(picture, marks).frame(int(1e9))
