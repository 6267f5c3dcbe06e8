"""Which regions are holes in a shape rather than shapes beside it: those it encloses (a window in a
wall, an eye in a face) and those it nearly encloses (a door cut into a wall's bottom edge)."""

from __future__ import annotations

import cv2
import numpy as np
from skimage.measure import regionprops

from paintsundo.coloring.procedural.regions import border_shares, boundaries, region_sizes, touching_border

NOTCH_SHARE = 0.7  # of a region's outline: bordered this much by a bigger shape, it is a notch in it
# A region this large that runs along this much of the picture's edge is the ground behind the
# figures, not a shape: a figure the frame cuts at its foot (a bust, a shirt) runs along less.
BACKGROUND_SIZE, BACKGROUND_EDGE = 0.1, 0.25


def holes_of(labels: np.ndarray, shapes: np.ndarray) -> dict[int, np.ndarray]:
    """For each of `shapes` (labels), the regions that are holes in it: enclosed by it, or bordered
    by it along most of their outline without reaching the picture's edge, and smaller than it."""
    boxes = {region.label: region.slice for region in regionprops(labels)}
    notches = _notches(labels)
    holes = {}
    for shape in shapes:
        enclosed = np.empty(0, np.int64)
        if int(shape) in boxes:
            crop = labels[boxes[int(shape)]]
            filled = _filled(crop == shape)
            enclosed = np.unique(crop[filled & (crop != shape)])
        holes[int(shape)] = np.union1d(enclosed, notches.get(int(shape), np.empty(0, np.int64)))
    return holes


def background_regions(labels: np.ndarray) -> np.ndarray:
    """Whether each label (index 0 unused) is the background: large, and along much of the edge."""
    return (border_shares(labels) > BACKGROUND_EDGE) & (region_sizes(labels) > BACKGROUND_SIZE * labels.size)


def nesting_depths(shapes: np.ndarray, holes: dict[int, np.ndarray]) -> dict[int, int]:
    """How many of the other shapes each shape is a hole in: 0 for a face, 1 for its eye, 2 for the
    eye's pupil."""
    depths = {int(shape): 0 for shape in shapes}
    for shape in shapes:
        for inner in holes[int(shape)]:
            if int(inner) in depths:
                depths[int(inner)] += 1
    return depths


def _filled(mask: np.ndarray) -> np.ndarray:
    """The mask with its holes filled: whatever the outside (flooded from around it) cannot reach."""
    padded = np.pad(mask, 1).astype(np.uint8)
    cv2.floodFill(padded, None, (0, 0), 2)
    return (padded != 2)[1:-1, 1:-1]


def _notches(labels: np.ndarray) -> dict[int, np.ndarray]:
    """For each region, the smaller regions it borders along at least NOTCH_SHARE of their outline,
    of those that do not reach the picture's edge (they may go on beyond it)."""
    count = int(labels.max()) + 1
    pairs, lengths, _ = boundaries(labels)
    inner, outer = np.concatenate([pairs, pairs[:, ::-1]]).T  # (region, neighbour), both ways round
    lengths = np.tile(lengths, 2)
    outline = np.bincount(inner, weights=lengths, minlength=count)
    sizes = region_sizes(labels)
    notch = (lengths >= NOTCH_SHARE * outline[inner]) & (sizes[inner] < sizes[outer])
    notch &= ~touching_border(labels)[inner]
    found: dict[int, list[int]] = {}
    for hole, shape in zip(inner[notch], outer[notch], strict=True):
        found.setdefault(int(shape), []).append(int(hole))
    return {shape: np.array(found_holes, np.int64) for shape, found_holes in found.items()}
