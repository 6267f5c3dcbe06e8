"""Hatching in a line drawing: many short, straight, parallel strokes side by side, which shade a
region rather than bound one. This project's own rule, on the lines' skeleton (Zhang and Suen, 1984,
through scikit-image) cut into single strokes at its junctions: strokes that lie side by side,
nearly parallel and of like length, in groups of MIN_STROKES or more."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from skimage.morphology import skeletonize

MIN_STROKES = 4  # side by side: fewer parallel strokes are a motif (a window's bars), not hatching
MAX_TURN = 15.0  # degrees between two strokes of one hatching
MAX_BEND = 0.12  # a stroke's spread across itself, of its length: more, and it is a curve
MAX_DETOUR = 1.08  # a stroke's skeleton pixels against a straight line's over its extent
MAX_LENGTH_SHARE = 0.15  # of the picture's longer side: longer strokes are contours
SPACING_GAPS = 2.5  # strokes of one hatching lie at most this many closed gaps apart
EIGHT_NEIGHBOURS = np.array([[1, 1, 1], [1, 0, 1], [1, 1, 1]], np.float32)


@dataclass(frozen=True)
class Hatching:
    strokes: np.ndarray  # h w bool: the line pixels that are strokes of hatching
    loose: np.ndarray  # h w bool: those of them on a stroke with a free end
    line_width: float  # pixels: the drawing's lines', hatching or not


def find_hatching(lines: np.ndarray, gap: int) -> Hatching:
    """The hatching among `lines` (h w bool). `gap` is the widest gap that closes a region: a stroke
    of hatching is at least two gaps long, and lies at most SPACING_GAPS gaps from the next."""
    skeleton = skeletonize(lines)
    width = float(lines.sum()) / max(1.0, float(skeleton.sum()))
    none = Hatching(np.zeros(lines.shape, bool), np.zeros(lines.shape, bool), width)
    neighbours = cv2.filter2D(
        skeleton.view(np.uint8), cv2.CV_8U, EIGHT_NEIGHBOURS, borderType=cv2.BORDER_CONSTANT
    )
    junctions = skeleton & (neighbours >= 3)
    near_junctions = cv2.dilate(junctions.view(np.uint8), np.ones((3, 3), np.uint8)).view(bool)
    count, strokes = cv2.connectedComponents((skeleton & ~near_junctions).view(np.uint8), connectivity=8)
    if count < MIN_STROKES + 1:
        return none
    centres, directions, lengths, straight = _stroke_shapes(strokes, count)
    candidate = straight & (lengths >= 2 * gap) & (lengths <= MAX_LENGTH_SHARE * max(lines.shape))
    if candidate.sum() < MIN_STROKES:
        return none
    hatched = np.zeros(count, bool)
    hatched[np.flatnonzero(candidate)] = _parallel_groups(
        centres[candidate], directions[candidate], lengths[candidate], SPACING_GAPS * gap, width
    )
    if not hatched.any():
        return none
    loose = hatched & (np.bincount(strokes[skeleton & (neighbours == 1)], minlength=count) > 0)
    # Each line pixel belongs to the stroke of its nearest skeleton pixel: the hatching's strokes,
    # not the contour they start from. OpenCV labels each pixel by the nearest zero pixel of its
    # input, the zeros numbered in raster order.
    _, nearest = cv2.distanceTransformWithLabels(
        (~skeleton).view(np.uint8), cv2.DIST_L2, 3, labelType=cv2.DIST_LABEL_PIXEL
    )
    stroke_of = strokes[skeleton][nearest - 1]
    return Hatching(hatched[stroke_of] & lines, loose[stroke_of] & lines, width)


def _stroke_shapes(strokes: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each stroke's centre (n 2, x y), direction (n 2, unit x y), length (n) and whether it is
    straight (n bool), from the moments of its skeleton pixels."""
    rows, columns = np.nonzero(strokes)
    index = strokes[rows, columns]
    rows, columns = rows.astype(np.float64), columns.astype(np.float64)
    pixels = np.maximum(np.bincount(index, minlength=count), 1).astype(np.float64)

    def mean(values: np.ndarray) -> np.ndarray:
        return np.bincount(index, weights=values, minlength=count) / pixels

    x, y = mean(columns), mean(rows)
    xx, yy, xy = mean(columns**2) - x**2, mean(rows**2) - y**2, mean(columns * rows) - x * y
    # The covariance's eigenvalues: a straight stroke of length L spreads L^2 / 12 along itself.
    middle, half_difference = (xx + yy) / 2, np.sqrt(((xx - yy) / 2) ** 2 + xy**2)
    along, across = middle + half_difference, np.maximum(middle - half_difference, 0.0)
    angle = 0.5 * np.arctan2(2 * xy, xx - yy)
    directions = np.stack([np.cos(angle), np.sin(angle)], axis=1)
    lengths = np.sqrt(12.0 * along)
    # A straight digital line has one pixel per step along its steeper axis; a contour that turns a
    # corner (a leg's foot, up its sides) has more than its extent along its direction allows.
    position = columns * directions[index, 0] + rows * directions[index, 1]
    lowest, highest = np.full(count, np.inf), np.full(count, -np.inf)
    np.minimum.at(lowest, index, position)
    np.maximum.at(highest, index, position)
    steps = (highest - lowest + 1.0) * np.abs(directions).max(axis=1)
    straight = (np.sqrt(across) <= MAX_BEND * lengths) & (pixels <= MAX_DETOUR * steps)
    return np.stack([x, y], axis=1), directions, lengths, straight


def _parallel_groups(
    centres: np.ndarray, directions: np.ndarray, lengths: np.ndarray, spacing: float, width: float
) -> np.ndarray:
    """Whether each stroke (n) belongs to a group of at least MIN_STROKES strokes, each beside the
    next: nearly parallel, of like length, offset across their direction (not along it, as the
    pieces of one contour are) by more than a line's width and at most `spacing`."""
    pairs = _near_pairs(centres, spacing + 0.5 * lengths.max())
    if len(pairs) == 0:
        return np.zeros(len(centres), bool)
    first, second = pairs[:, 0], pairs[:, 1]
    cosine = np.abs((directions[first] * directions[second]).sum(axis=1))
    offset = centres[second] - centres[first]
    along = np.abs((offset * directions[first]).sum(axis=1))
    across = np.abs(offset[:, 0] * directions[first, 1] - offset[:, 1] * directions[first, 0])
    shorter, longer = np.minimum(lengths[first], lengths[second]), np.maximum(lengths[first], lengths[second])
    beside = (
        (cosine >= np.cos(np.deg2rad(MAX_TURN)))
        & (across > width)
        & (across <= spacing)
        & (along < 0.5 * shorter)
        & (longer <= 2.5 * shorter)
    )
    group = _connected(len(centres), pairs[beside])
    return np.bincount(group)[group] >= MIN_STROKES


def _near_pairs(points: np.ndarray, reach: float) -> np.ndarray:
    """The pairs of points (n 2) at most `reach` apart on both axes, each pair once (k 2): a sweep
    along x, comparing each point with its next, second next... neighbour until all are too far."""
    order = np.argsort(points[:, 0], kind="stable")
    ordered = points[order]
    found = [np.zeros((0, 2), np.int64)]
    for step in range(1, len(order)):
        apart = np.abs(ordered[step:] - ordered[:-step])
        if apart[:, 0].min() > reach:
            break
        close = np.flatnonzero((apart <= reach).all(axis=1))
        found.append(np.stack([order[close], order[close + step]], axis=1))
    return np.concatenate(found)


def _connected(count: int, pairs: np.ndarray) -> np.ndarray:
    """The connected group of each of `count` nodes joined by `pairs` (k 2), named by its least node:
    each node takes its neighbours' least name, then its name's name (pointer jumping), until still."""
    group = np.arange(count)
    while True:
        least = np.minimum(group[pairs[:, 0]], group[pairs[:, 1]])
        updated = group.copy()
        np.minimum.at(updated, pairs[:, 0], least)
        np.minimum.at(updated, pairs[:, 1], least)
        updated = updated[updated]
        if np.array_equal(updated, group):
            return group
        group = updated
