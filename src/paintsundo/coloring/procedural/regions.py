"""The regions between the lines, with small gaps in the lines closed, and how they touch."""

from __future__ import annotations

import cv2
import numpy as np
from skimage.segmentation import watershed


def gap_for(shape: tuple[int, ...]) -> int:
    """The widest gap in a line, in pixels, that still closes a region: a few pixels at any size."""
    return max(6, round(0.008 * max(shape[:2])))


def split_regions(barrier: np.ndarray, gap: int) -> np.ndarray:
    """Regions between the lines (h w int32, 1..n; every pixel, lines too, belongs to one).

    Trapped-ball filling (Zhang et al. 2009, "Vectorizing cartoon animations"): the cores of the
    regions are the pixels farther than half a gap from every line, so a gap narrower than `gap`
    separates two cores; each core then grows back up to the lines by a watershed on the distance to
    them, and the fronts of two cores meet in the gap. Enclosed places too narrow for a core are
    regions of their own; line pixels join the nearest region, so that colour runs under the lines."""
    open_area = ~barrier
    distance = cv2.distanceTransform(open_area.view(np.uint8), cv2.DIST_L2, 5)
    cores = (distance > gap / 2).view(np.uint8)
    _, markers = cv2.connectedComponents(cores, connectivity=4)
    labels = watershed(-distance, markers, mask=open_area)
    narrow = open_area & (labels == 0)
    if narrow.any():
        _, strips = cv2.connectedComponents(narrow.view(np.uint8), connectivity=4)
        labels = np.where(narrow, strips + labels.max(), labels)
    unlabelled = labels == 0
    if unlabelled.all():
        return np.ones(barrier.shape, np.int32)
    return nearest_value(labels, ~unlabelled).astype(np.int32)


def nearest_value(values: np.ndarray, known: np.ndarray) -> np.ndarray:
    """`values` (h w ...) everywhere, each pixel taking the value of the nearest `known` pixel."""
    # OpenCV numbers the zero pixels of its input in raster order and labels every pixel by the
    # nearest of them: the known pixels are the zeros.
    _, nearest = cv2.distanceTransformWithLabels(
        (~known).view(np.uint8), cv2.DIST_L2, 5, labelType=cv2.DIST_LABEL_PIXEL
    )
    return values[known][nearest - 1]


def boundaries(
    labels: np.ndarray, marked: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The pairs of regions that touch (k 2, each pair once, the smaller label first), the length of
    the boundary each pair shares (k, in neighbouring pixel pairs), and how much of it lies on
    `marked` pixels (k, h w bool; zeros without it)."""
    firsts, seconds, on_marks = [], [], []
    for before, after in ((np.s_[:, :-1], np.s_[:, 1:]), (np.s_[:-1], np.s_[1:])):
        changes = labels[before] != labels[after]
        firsts.append(labels[before][changes])
        seconds.append(labels[after][changes])
        if marked is not None:
            on_marks.append((marked[before] | marked[after])[changes])
    first, second = np.concatenate(firsts).astype(np.int64), np.concatenate(seconds).astype(np.int64)
    low, high = np.minimum(first, second), np.maximum(first, second)
    keys, pair_index = np.unique(low * (int(labels.max()) + 1) + high, return_inverse=True)
    lengths = np.bincount(pair_index, minlength=len(keys))
    walled = 0 * lengths
    if marked is not None:
        walled = np.bincount(
            pair_index, weights=np.concatenate(on_marks).astype(np.float64), minlength=len(keys)
        )
    pairs = np.stack(np.divmod(keys, int(labels.max()) + 1), axis=1)
    return pairs, lengths, walled


def region_interiors(labels: np.ndarray) -> np.ndarray:
    """1 inside regions, 0 where the label changes to a neighbouring pixel's (h w uint8): distances
    from these zeros are to a region's edge."""
    same = np.ones(labels.shape, bool)
    same[1:] &= labels[1:] == labels[:-1]
    same[:-1] &= labels[:-1] == labels[1:]
    same[:, 1:] &= labels[:, 1:] == labels[:, :-1]
    same[:, :-1] &= labels[:, :-1] == labels[:, 1:]
    return same.view(np.uint8)


def region_sizes(labels: np.ndarray) -> np.ndarray:
    """Pixels per label, index 0 unused."""
    return np.bincount(labels.ravel(), minlength=int(labels.max()) + 1)


def border_shares(labels: np.ndarray) -> np.ndarray:
    """The share of the picture's border each label runs along (index 0 unused)."""
    border = np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]])
    return np.bincount(border, minlength=int(labels.max()) + 1) / len(border)


def touching_border(labels: np.ndarray) -> np.ndarray:
    """Whether each label reaches the picture's border (index 0 unused)."""
    return border_shares(labels) > 0


SAME_COLOR = 32  # levels: scribbles whose colours differ less on every channel are meant alike


def divide_between_strokes(
    labels: np.ndarray, barrier: np.ndarray, strokes: np.ndarray, colors: np.ndarray, min_pixels: int
) -> np.ndarray:
    """Regions that hold strokes of more than one colour, divided among them: each stroke floods
    from where it lies, by a watershed on the distance to the lines, so that the division follows
    the lines that stop short inside the region (LazyBrush's soft barriers). Other regions keep
    their labels; the divided ones get new labels."""
    regions = int(labels.max()) + 1
    count = len(colors)
    pairs = np.bincount((labels * count + strokes).ravel(), minlength=regions * count).reshape(regions, count)
    pairs[:, 0] = 0
    present = pairs >= min_pixels
    shared = [
        region for region in np.flatnonzero(present.sum(axis=1) > 1)
        if np.ptp(colors[present[region]], axis=0).max() > SAME_COLOR
    ]  # fmt: skip
    if not shared:
        return labels
    distance = cv2.distanceTransform((~barrier).view(np.uint8), cv2.DIST_L2, 5)
    divided = labels.copy()
    for region in shared:
        inside = labels == region
        rows, columns = np.nonzero(inside)
        box = np.s_[rows.min() : rows.max() + 1, columns.min() : columns.max() + 1]
        mask = inside[box]
        markers = np.where(mask & present[region][strokes[box]], strokes[box], 0)
        flooded = watershed(-distance[box], markers, mask=mask)
        _, parts = np.unique(flooded[mask], return_inverse=True)
        part_labels = np.where(parts == 0, region, divided.max() + parts)
        divided[box][mask] = part_labels
    return divided
