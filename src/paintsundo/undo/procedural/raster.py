"""Turning a mark into pixels: its box on the canvas, and either its colour drawn straight into the
box or its coverage (how opaque it is at each pixel, and when it gets there) for blending.

Paths are rasterised with OpenCV's anti-aliased polygons at 1/16 pixel precision: a stroke's outline
runs at half its width each side of the path, so the width can vary along it, with round ends.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from paintsundo.undo.procedural.marks import SUBPIXEL, SUBPIXEL_BITS, Mark, Outline, fixed_point, outline_of


@dataclass(frozen=True)
class Box:
    """The part of the canvas a mark can touch: rows top..bottom, columns left..right (exclusive)."""

    top: int
    left: int
    bottom: int
    right: int

    @property
    def slices(self) -> tuple[slice, slice]:
        return slice(self.top, self.bottom), slice(self.left, self.right)

    @property
    def shape(self) -> tuple[int, int]:
        return self.bottom - self.top, self.right - self.left

    def overlaps(self, other: Box) -> bool:
        return not (
            self.top >= other.bottom
            or other.top >= self.bottom
            or self.left >= other.right
            or other.left >= self.right
        )


def box_of(mark: Mark, shape: tuple[int, int]) -> Box | None:
    """The mark's box cut to a canvas of `shape` (h w), or None if it misses the canvas."""
    if mark.area is not None:
        height, width = mark.area.mask.shape
        top, left, bottom, right = (
            mark.area.top,
            mark.area.left,
            mark.area.top + height,
            mark.area.left + width,
        )
    elif mark.outline is not None:
        top, left, bottom, right = mark.outline.bounds
    else:
        assert mark.path is not None and mark.widths is not None
        top, left, bottom, right = outline_of(mark.path, mark.widths, mark.tip, mark.ribbons).bounds
    top, left = max(top, 0), max(left, 0)
    bottom, right = min(bottom, shape[0]), min(right, shape[1])
    if bottom <= top or right <= left:
        return None
    return Box(top, left, bottom, right)


def draw_path(
    into: np.ndarray, mark: Mark, box: Box, color: tuple[float, float, float], progress: float
) -> None:
    """Draw a solid path mark, as far as `progress` (0..1) along it, into its box of an 8-bit RGB
    layer (`into` is the box's view, h w 3)."""
    _fill(into, _outline(mark, progress), box, tuple(float(value) for value in color))


@dataclass
class Coverage:
    """A mark's footprint in its box: alpha (h w float32, 0..1, the opacity included), and, asked
    for only while the mark is in progress, when each pixel is reached (h w float32, 0..1)."""

    alpha: np.ndarray
    arrival: np.ndarray | None

    def laid(self, progress: float) -> np.ndarray:
        """The alpha of what is laid once `progress` (0..1) of the mark is done."""
        if progress >= 1.0 or self.arrival is None:
            return self.alpha if progress > 0 else np.zeros_like(self.alpha)
        return np.where(self.arrival <= progress, self.alpha, np.float32(0.0))


def coverage(mark: Mark, box: Box, in_progress: bool = False) -> Coverage:
    """Where `mark` covers its box, for blending; with `in_progress`, when each pixel is reached."""
    if mark.area is not None:
        area = mark.area
        rows = slice(box.top - area.top, box.bottom - area.top)
        columns = slice(box.left - area.left, box.right - area.left)
        alpha = area.mask[rows, columns].astype(np.float32) * np.float32(mark.opacity)
        return Coverage(alpha, area.arrival[rows, columns])
    assert mark.path is not None and mark.widths is not None
    drawn = np.zeros(box.shape, np.uint8)
    _fill(drawn, _outline(mark, 1.0), box, 255.0)
    alpha = drawn.astype(np.float32) * np.float32(mark.opacity / 255.0)
    if not in_progress:
        return Coverage(alpha, None)
    local = mark.path - np.array([box.left, box.top], np.float32)
    return Coverage(alpha, _arrival(local, mark.widths, box.shape))


def _outline(mark: Mark, progress: float) -> Outline:
    """The outline of the part of a path mark laid once `progress` (0..1) of it is done."""
    assert mark.path is not None and mark.widths is not None
    if progress >= 1.0 and mark.outline is not None:
        return mark.outline
    reached = len(mark.path) if progress >= 1.0 else max(1, int(np.ceil(progress * len(mark.path))))
    return outline_of(mark.path[:reached], mark.widths[:reached], mark.tip, mark.ribbons)


def _fill(into: np.ndarray, outline: Outline, box: Box, color) -> None:
    """Draw an outline, anti-aliased, in `colour`, into the view of its box."""
    offset = (-box.left * SUBPIXEL, -box.top * SUBPIXEL)
    if outline.line is not None:
        line = outline.line + np.array(offset, np.int32)
        if len(line) == 1:  # a dab
            radius = max(1, outline.thickness * SUBPIXEL // 2)
            cv2.circle(
                into, (int(line[0, 0]), int(line[0, 1])), radius, color, -1, cv2.LINE_AA, SUBPIXEL_BITS
            )
        else:
            cv2.polylines(into, [line], False, color, outline.thickness, cv2.LINE_AA, SUBPIXEL_BITS)
        return
    cv2.fillPoly(into, list(outline.polygons), color, cv2.LINE_AA, SUBPIXEL_BITS, offset)
    for x, y, radius in outline.discs:
        cv2.circle(into, (x + offset[0], y + offset[1]), radius, color, -1, cv2.LINE_AA, SUBPIXEL_BITS)


def _arrival(points: np.ndarray, widths: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """When the brush first reaches each pixel, 0..1 along the path: discs drawn last to first."""
    arrival = np.ones(shape, np.float32)
    last = max(len(points) - 1, 1)
    for index in range(len(points) - 1, -1, -1):
        radius = max(1, round(widths[index] / 2.0 * SUBPIXEL) + SUBPIXEL)
        x, y = fixed_point(points[index])
        cv2.circle(arrival, (int(x), int(y)), radius, index / last, -1, cv2.LINE_8, SUBPIXEL_BITS)
    return arrival
