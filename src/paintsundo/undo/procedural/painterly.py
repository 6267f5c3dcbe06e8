"""How a painter lays paint: zones blocked in back to front with a big brush, then smaller brushes
where the canvas still differs most from the picture, then the finishing touches.

The strokes come from `brushwork` (Hertzmann 98); the zones from `masses` (Felzenszwalb 2004),
ordered far to near by aerial perspective (Gurney, *Color and Light*, 2010).
"""

from __future__ import annotations

import cv2
import numpy as np

from paintsundo.undo.procedural.brushwork import Brushstrokes, plan_brushstrokes, reference_at
from paintsundo.undo.procedural.marks import Mark, stroke
from paintsundo.undo.procedural.plan import Hand, Touches

BLOCK_IN_RADIUS = 0.045  # the block-in brush's radius, as a share of the picture's long side
BLOCK_IN_ERROR = 20.0  # a grid cell whose colour is this far (RGB) from the picture gets a stroke
REFINE_ERROR = (16.0, 14.0, 14.0)  # the same, for each smaller brush in turn (halving the radius)
MOST_STROKES = (1400, 2000, 2400)  # at most this many strokes a brush, where the canvas is worst
GRAIN = 0.45  # how much the bristles' streaks let what is under a big brush's stroke show
BRISTLE_DIRECTIONS = 8
FINISH_PATCHES = 5  # the finishing touches go patch by patch over a grid this many patches across
GROUND_BRUSH = 0.09  # the ground's brush, as a share of the picture's long side


def paint_strokes(
    strokes: Brushstrokes,
    order: np.ndarray,
    hand: Hand,
    share: tuple[float, float] = (0.0, 1.0),
    loaded: bool = False,
) -> list[Mark]:
    """Marks for planned brushstrokes, laid in `order` one after another over `share` of the hand's
    stage, each for a time in proportion to its length; a `loaded` (big) brush tapers and shows
    its bristles."""
    lengths = np.array([len(strokes.paths[index]) + 2.0 for index in order])
    starts, ends = hand.times(lengths, share)
    width = 2.0 * strokes.radius
    grain = GRAIN if loaded else 0.0
    marks = []
    for index, start, end in zip(order, starts, ends, strict=True):
        path = strokes.paths[index]
        widths: np.ndarray | float = width
        if loaded:  # a big loaded brush lands, presses and lifts: it swells and tapers
            widths = width * (0.55 + 0.45 * np.sin(np.linspace(0.25, np.pi - 0.25, len(path))))
        marks.append(
            stroke(path, widths, strokes.colors[index], start, end, grain=grain, stage=hand.stage.name)
        )
    return marks


def block_in(
    picture: np.ndarray,
    zones: np.ndarray,
    far_to_near: np.ndarray,
    hand: Hand,
    rng: np.random.Generator,
    share: tuple[float, float] = (0.0, 1.0),
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
    return paint_strokes(strokes, order, hand, share, loaded=True)


def refine(
    picture: np.ndarray,
    canvas: np.ndarray,
    level: int,
    hand: Hand,
    rng: np.random.Generator,
    share: tuple[float, float] = (0.0, 1.0),
) -> list[Mark]:
    """One pass of a brush half the last one's size, where the canvas still differs from the picture."""
    radius = BLOCK_IN_RADIUS * max(picture.shape[:2]) / 2 ** (level + 1)
    reference = reference_at(picture, radius)
    most = MOST_STROKES[level]
    strokes = plan_brushstrokes(reference, canvas, radius, REFINE_ERROR[level], rng, max_steps=10, most=most)
    order = rng.permutation(len(strokes.paths))
    return paint_strokes(strokes, order, hand, share)


def finishing_touches(
    picture: np.ndarray,
    canvas: np.ndarray,
    hand: Hand,
    rng: np.random.Generator,
    share: tuple[float, float] = (0.0, 1.0),
) -> Touches:
    """Small touches over every pixel the canvas has not got right: they lay the picture's own
    pixels, so the last frame is the picture. They go patch by patch, as an artist finishes one
    area before the next (the areas that need most first), the worst touches first within each."""
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
    wrong = np.any(cv2.convertScaleAbs(canvas) != picture, axis=-1)  # as the frame will show it
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
    # The touches' patches: a coarse grid over the picture; each touch in the patch of its centre.
    patch_side = max(cell, round(max(height, width) / FINISH_PATCHES))
    sums = np.bincount(labels[inside], None, count).astype(np.float64)
    centre_y = np.bincount(labels[inside], ys[inside], count) / np.maximum(sums, 1)
    centre_x = np.bincount(labels[inside], xs[inside], count) / np.maximum(sums, 1)
    patch = (centre_y // patch_side).astype(np.int64) * (width // patch_side + 1) + (
        centre_x // patch_side
    ).astype(np.int64)
    need = np.bincount(patch, worst * sums)
    patch_rank = np.argsort(np.argsort(-need * rng.uniform(0.8, 1.25, len(need))))
    order = np.lexsort((-worst * rng.uniform(0.7, 1.3, count), patch_rank[patch]))
    frames = np.empty(count, np.float32)
    first = hand.stage.start + share[0] * hand.stage.frames
    span = (share[1] - share[0]) * hand.stage.frames - 1
    frames[order] = first + max(span, 0.0) * np.arange(count) / max(count - 1, 1)
    frames = np.clip(frames, 1, max(hand.stage.end - 1, 1))  # within the video, as Hand.times
    return Touches(labels, frames)


def toned_ground(
    picture: np.ndarray, hand: Hand, rng: np.random.Generator, share: tuple[float, float]
) -> list[Mark]:
    """A ground of one tone (the picture's mean, thinned towards white) laid in broad horizontal
    strokes from the top down, as a painter tones the canvas before blocking in."""
    height, width = picture.shape[:2]
    tone = 0.5 * (255.0 + picture.reshape(-1, 3).mean(axis=0))
    brush = max(4.0, GROUND_BRUSH * max(height, width))
    paths = []
    for row in np.arange(brush / 2, height + brush / 2, brush * 0.8):
        xs = np.linspace(-brush, width + brush, 12)
        ys = row + rng.normal(0, brush * 0.08, len(xs)).cumsum() * 0.3
        paths.append(np.stack([xs, ys], axis=1))
    starts, ends = hand.times([1.0] * len(paths), share)
    return [
        stroke(path, brush, tone, start, end, grain=GRAIN, stage=hand.stage.name)
        for path, start, end in zip(paths, starts, ends, strict=True)
    ]


def bristles(picture: np.ndarray, radius: float, rng: np.random.Generator) -> np.ndarray:
    """A brush's bristle streaks over the canvas (h w float32, 0..1), running along the picture's
    isophotes as its strokes do: noise smeared along the local direction, one of 8 at each pixel."""
    height, width = picture.shape[:2]
    noise = rng.random((height, width), dtype=np.float32)
    luminance = cv2.cvtColor(reference_at(picture, radius), cv2.COLOR_RGB2GRAY)
    gx = cv2.Sobel(luminance, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(luminance, cv2.CV_32F, 0, 1, ksize=3)
    along = (np.arctan2(gx, -gy) % np.pi) / np.pi * BRISTLE_DIRECTIONS  # the isophote's angle, 0..8
    direction = np.round(along).astype(np.int32) % BRISTLE_DIRECTIONS
    length = max(3, round(radius)) | 1
    streaks = np.zeros((height, width), np.float32)
    for index in range(BRISTLE_DIRECTIONS):
        kernel = np.zeros((length, length), np.float32)
        angle = np.pi * index / BRISTLE_DIRECTIONS
        centre = length // 2
        offset = (centre * np.cos(angle), centre * np.sin(angle))
        start = (round(centre - offset[0]), round(centre - offset[1]))
        end = (round(centre + offset[0]), round(centre + offset[1]))
        cv2.line(kernel, start, end, 1.0, 1)
        smeared = cv2.filter2D(noise, -1, kernel / kernel.sum())
        streaks[direction == index] = smeared[direction == index]
    low, high = np.percentile(streaks, (2, 98))
    return np.clip((streaks - low) / max(high - low, 1e-6), 0.0, 1.0).astype(np.float32)
