"""Curved brush strokes that follow the form, planned where the canvas still differs from the picture.

After Hertzmann, "Painterly Rendering with Curved Brush Strokes of Multiple Sizes" (SIGGRAPH 98):
a stroke starts where the error is largest in its grid cell, takes the colour of the picture blurred
to the brush's size there, and runs along the isophotes (across the gradient) until the canvas is
already closer to the picture than the stroke's colour would be. All strokes of one brush are traced
together, as arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

CURVE_FILTER = 0.5  # how much a stroke keeps its last direction at each step (Hertzmann's f_c)
BLUR_PER_RADIUS = 0.5  # the reference is the picture blurred by this times the brush radius (f_sigma)


@dataclass(frozen=True)
class Brushstrokes:
    """The strokes of one brush: paths (each n 2, x y), their colours (k 3) and the brush radius."""

    paths: list[np.ndarray]
    colors: np.ndarray
    radius: float


def reference_at(picture: np.ndarray, radius: float) -> np.ndarray:
    """The picture as a brush of `radius` sees it: blurred to its size (h w 3 float32)."""
    return cv2.GaussianBlur(picture, (0, 0), max(0.5, BLUR_PER_RADIUS * radius))


def plan_brushstrokes(
    reference: np.ndarray,
    canvas: np.ndarray,
    radius: float,
    threshold: float,
    rng: np.random.Generator,
    zones: np.ndarray | None = None,
    max_steps: int = 12,
    min_steps: int = 2,
    most: int | None = None,
) -> Brushstrokes:
    """Strokes of a brush of `radius` over a canvas (h w 3) towards `reference` (h w 3): one from
    each grid cell whose mean colour error exceeds `threshold` (the `most` worst), staying inside
    its start's zone."""
    error = np.linalg.norm(canvas - reference, axis=-1)
    starts = _cell_starts(error, max(1, round(radius)), threshold, rng, most)
    if len(starts) == 0:
        return Brushstrokes([], np.zeros((0, 3), np.float32), radius)
    colors = reference[starts[:, 1], starts[:, 0]]
    steps = (max_steps, min_steps)
    paths = _trace(reference, canvas, colors, starts.astype(np.float32), radius, zones, steps, rng)
    return Brushstrokes(paths, colors.astype(np.float32), radius)


def _cell_starts(
    error: np.ndarray, cell: int, threshold: float, rng: np.random.Generator, most: int | None = None
) -> np.ndarray:
    """Per grid cell whose mean error exceeds `threshold` (at most `most` of them, the worst), its
    pixel of largest error (k 2, x y)."""
    height, width = error.shape
    rows, columns = -(-height // cell), -(-width // cell)
    padded = np.zeros((rows * cell, columns * cell), np.float32)
    padded[:height, :width] = error
    cells = padded.reshape(rows, cell, columns, cell).transpose(0, 2, 1, 3).reshape(rows, columns, -1)
    # A little noise breaks ties in even areas, so strokes do not all start at a cell's corner.
    jittered = cells + rng.random(cells.shape, dtype=np.float32) * 1e-3
    worst = jittered.argmax(axis=-1)
    mean = cells.mean(axis=-1)
    chosen = np.argwhere(mean > threshold)
    if most is not None and len(chosen) > most:
        chosen = chosen[np.argsort(-mean[chosen[:, 0], chosen[:, 1]])[:most]]
    within = worst[chosen[:, 0], chosen[:, 1]]
    ys = chosen[:, 0] * cell + within // cell
    xs = chosen[:, 1] * cell + within % cell
    inside = (ys < height) & (xs < width)
    return np.stack([xs[inside], ys[inside]], axis=1)


def _trace(
    reference: np.ndarray,
    canvas: np.ndarray,
    colors: np.ndarray,
    starts: np.ndarray,
    radius: float,
    zones: np.ndarray | None,
    steps: tuple[int, int],
    rng: np.random.Generator,
) -> list[np.ndarray]:
    """Each stroke from its start along the isophotes, `radius` at a step (all strokes at once)."""
    height, width = canvas.shape[:2]
    max_steps, min_steps = steps
    luminance = cv2.cvtColor(reference, cv2.COLOR_RGB2GRAY)
    gx = cv2.Sobel(luminance, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(luminance, cv2.CV_32F, 0, 1, ksize=3)
    count = len(starts)
    points = np.full((max_steps + 1, count, 2), np.nan, np.float32)
    points[0] = starts
    position, previous = starts.copy(), np.zeros((count, 2), np.float32)
    alive = np.ones(count, bool)
    zone = zones[starts[:, 1].astype(int), starts[:, 0].astype(int)] if zones is not None else None
    for step in range(1, max_steps + 1):
        # Strokes that have stopped are still stepped along, so keep them on the canvas.
        x = np.clip(position[:, 0], 0, width - 1).astype(int)
        y = np.clip(position[:, 1], 0, height - 1).astype(int)
        if step > min_steps:
            here_reference, here_canvas = reference[y, x], canvas[y, x]
            done = np.linalg.norm(here_reference - here_canvas, axis=-1) < np.linalg.norm(
                here_reference - colors, axis=-1
            )
            alive &= ~done
        flat = np.hypot(gx[y, x], gy[y, x]) < 1e-3
        # Across the gradient is along the isophote; keep heading the way the stroke was going.
        direction = np.stack([-gy[y, x], gx[y, x]], axis=1)
        direction /= np.maximum(np.linalg.norm(direction, axis=1, keepdims=True), 1e-6)
        direction[(direction * previous).sum(axis=1) < 0] *= -1
        if step > 1:
            direction = (1 - CURVE_FILTER) * direction + CURVE_FILTER * previous
            direction /= np.maximum(np.linalg.norm(direction, axis=1, keepdims=True), 1e-6)
        # A stroke in a flat area goes on straight, the way it was going (or a random way at first).
        straight = previous if step > 1 else _random_directions(count, rng)
        direction = np.where(flat[:, None], straight, direction)
        position = position + radius * direction
        outside = (position[:, 0] < 0) | (position[:, 0] > width - 1)
        outside |= (position[:, 1] < 0) | (position[:, 1] > height - 1)
        alive &= ~outside
        if zone is not None:
            inside = np.clip(position, 0, [width - 1, height - 1]).astype(int)
            alive &= zones[inside[:, 1], inside[:, 0]] == zone
        points[step, alive] = position[alive]
        previous = direction
        if not alive.any():
            break
    return [points[~np.isnan(points[:, index, 0]), index] for index in range(count)]


def _random_directions(count: int, rng: np.random.Generator) -> np.ndarray:
    angles = rng.uniform(0, 2 * np.pi, count)
    return np.stack([np.cos(angles), np.sin(angles)], axis=1).astype(np.float32)
