"""Turning a mark into coverage: how opaque it is at each pixel of its box, and when it gets there.

Paths are rasterised with OpenCV's anti-aliased polygons at 1/16 pixel precision: a stroke's outline
runs at half its width each side of the path, so the width can vary along it, with round ends.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from paintsundo.procedural.marks import Mark

SUBPIXEL_BITS = 4
SUBPIXEL = 1 << SUBPIXEL_BITS


@dataclass
class Coverage:
    """A mark's footprint in a box: alpha (h w float32, 0..1), and, asked for only while the mark is
    in progress, its arrival (h w float32, 0..1): how far through the mark each pixel is reached."""

    top: int
    left: int
    alpha: np.ndarray
    arrival_of: Callable[[], np.ndarray]
    _arrival: np.ndarray | None = None

    def laid(self, progress: float) -> np.ndarray:
        """The alpha of what is laid once `progress` (0..1) of the mark is done."""
        if progress >= 1.0:
            return self.alpha
        if self._arrival is None:
            self._arrival = self.arrival_of()
        return np.where(self._arrival <= progress, self.alpha, 0.0).astype(np.float32)


def coverage(mark: Mark, shape: tuple[int, int], grain: np.ndarray | None = None) -> Coverage | None:
    """Where `mark` covers a canvas of `shape` (h w), or None if it misses the canvas."""
    if mark.area is not None:
        return _area_coverage(mark, shape)
    assert mark.path is not None and mark.widths is not None
    path, widths = resample(mark.path, mark.widths)
    radius = float(widths.max()) / 2.0 + 2.0
    left = max(int(np.floor(path[:, 0].min() - radius)), 0)
    top = max(int(np.floor(path[:, 1].min() - radius)), 0)
    right = min(int(np.ceil(path[:, 0].max() + radius)) + 1, shape[1])
    bottom = min(int(np.ceil(path[:, 1].max() + radius)) + 1, shape[0])
    if right <= left or bottom <= top:
        return None
    local = path - np.array([left, top], np.float32)
    alpha = _stroke_alpha(local, widths, (bottom - top, right - left)) * mark.opacity
    if mark.grain > 0 and grain is not None:
        alpha *= 1.0 - mark.grain * grain[top:bottom, left:right]
    return Coverage(top, left, alpha, lambda: _stroke_arrival(local, widths, alpha.shape))


def _area_coverage(mark: Mark, shape: tuple[int, int]) -> Coverage | None:
    """A fill's area cut to the canvas."""
    area = mark.area
    assert area is not None
    height, width = area.mask.shape
    top, left = max(area.top, 0), max(area.left, 0)
    bottom, right = min(area.top + height, shape[0]), min(area.left + width, shape[1])
    if bottom <= top or right <= left:
        return None
    box = (slice(top - area.top, bottom - area.top), slice(left - area.left, right - area.left))
    alpha = area.mask[box].astype(np.float32) * mark.opacity
    arrival = area.arrival[box]
    return Coverage(top, left, alpha, lambda: arrival)


# Points of a stroke's outline filled as one polygon: short enough that a bend cannot fold it.
OUTLINE_CHUNK = 6


def _stroke_alpha(points: np.ndarray, widths: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Anti-aliased coverage of a stroke of varying width with round ends (h w float32)."""
    alpha = np.zeros(shape, np.uint8)
    normals = _normals(points) * (widths[:, None] / 2.0)
    for first in range(0, max(len(points) - 1, 1), OUTLINE_CHUNK):
        part = slice(first, first + OUTLINE_CHUNK + 1)
        outline = np.concatenate([points[part] + normals[part], (points[part] - normals[part])[::-1]])
        cv2.fillPoly(alpha, [_fixed(outline)], 255, cv2.LINE_AA, SUBPIXEL_BITS)
    for index in (0, len(points) - 1):
        cap = max(1, round(widths[index] / 2.0 * SUBPIXEL))
        centre = _fixed(points[index])
        cv2.circle(alpha, (int(centre[0]), int(centre[1])), cap, 255, -1, cv2.LINE_AA, SUBPIXEL_BITS)
    return alpha.astype(np.float32) / 255.0


def _stroke_arrival(points: np.ndarray, widths: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """When the brush first reaches each pixel, 0..1 along the path: segments drawn last to first."""
    arrival = np.ones(shape, np.float32)
    last = max(len(points) - 1, 1)
    for index in range(len(points) - 1, -1, -1):
        radius = max(1, round(widths[index] / 2.0 * SUBPIXEL) + SUBPIXEL)
        x, y = _fixed(points[index])
        cv2.circle(arrival, (int(x), int(y)), radius, index / last, -1, cv2.LINE_8, SUBPIXEL_BITS)
    return arrival


def _normals(points: np.ndarray) -> np.ndarray:
    """Unit normals along a path (n 2), from the direction through each point's neighbours."""
    if len(points) < 2:
        return np.zeros_like(points)
    direction = np.gradient(points, axis=0)
    length = np.maximum(np.hypot(direction[:, 0], direction[:, 1]), 1e-6)[:, None]
    return np.stack([-direction[:, 1], direction[:, 0]], axis=1) / length


def _fixed(points: np.ndarray) -> np.ndarray:
    return np.round(points * SUBPIXEL).astype(np.int32)


def resample(path: np.ndarray, widths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The path with points about a third of a width apart (1 to 8 px), so that a mark in progress
    ends smoothly along it and its width changes gradually."""
    steps = np.hypot(*np.diff(path, axis=0).T)
    along = np.concatenate([[0.0], np.cumsum(steps)])
    spacing = float(np.clip(widths.min() / 3.0, 1.0, 8.0))
    if along[-1] <= spacing:
        return path, widths
    samples = np.arange(int(np.ceil(along[-1] / spacing)) + 1) * (along[-1] / np.ceil(along[-1] / spacing))
    points = np.empty((len(samples), 2), np.float32)
    points[:, 0] = np.interp(samples, along, path[:, 0])
    points[:, 1] = np.interp(samples, along, path[:, 1])
    return points, np.interp(samples, along, widths).astype(np.float32)
