"""The big masses of a picture, as a painter blocks them in: graph-based segmentation (Felzenszwalb
and Huttenlocher 2004, through scikit-image) of a small copy of the picture, where it takes
milliseconds, with the labels carried back to full size."""

from __future__ import annotations

import cv2
import numpy as np
from skimage.color import rgb2lab
from skimage.segmentation import felzenszwalb

from paintsundo.undo.procedural.analysis import region_means
from paintsundo.undo.procedural.tracing import TracedLine, smooth, trace_lines

SEGMENT_SIDE = 160  # the long side of the copy that is segmented
MIN_MASS_SHARE = 0.004  # the smallest mass, as a share of the picture
MERGE_SCALE = 300.0  # Felzenszwalb's k at SEGMENT_SIDE: larger gives larger masses
OUTLINED_MASSES = 8  # an underdrawing places at most this many masses, the biggest
OUTLINED_SHARE = 0.02  # and none smaller than this share of the picture
OUTLINE_SIDE = 320  # the long side of the copy the outlines are found on
OUTLINE_ROUNDING = 0.03  # outlines are rounded over this share of the long side
SHORTEST_OUTLINE = 0.08  # of the long side: a shorter piece of outline is not drawn
OUTLINE_TOLERANCE = 0.008  # of the long side: how far a simplified outline may stray from the traced one


def paint_masses(picture: np.ndarray) -> np.ndarray:
    """Each pixel's mass, labelled 0 .. n-1 (h w int32), from an RGB picture (h w 3, 0..255)."""
    height, width = picture.shape[:2]
    shrink = min(1.0, SEGMENT_SIDE / max(height, width))
    size = (max(1, round(width * shrink)), max(1, round(height * shrink)))
    small = cv2.resize(np.asarray(picture, np.float32), size, interpolation=cv2.INTER_AREA) / 255.0
    min_size = max(4, round(MIN_MASS_SHARE * size[0] * size[1]))
    labels = felzenszwalb(small, scale=MERGE_SCALE, sigma=0.8, min_size=min_size, channel_axis=-1)
    rows = np.minimum((np.arange(height) + 0.5) * size[1] / height, size[1] - 1).astype(np.intp)
    columns = np.minimum((np.arange(width) + 0.5) * size[0] / width, size[0] - 1).astype(np.intp)
    _, relabelled = np.unique(labels[rows[:, None], columns[None, :]], return_inverse=True)
    relabelled = relabelled.reshape(height, width)
    # Nearest-neighbour enlargement leaves staircase edges; a median over about one small pixel
    # rounds them (the median of two labels is one of them; with 8-bit labels only).
    reach = 2 * round(0.5 / shrink) + 1
    if relabelled.max() < 256 and reach > 1:
        rounded = cv2.medianBlur(relabelled.astype(np.uint8), min(reach, 255))
        relabelled = np.unique(rounded, return_inverse=True)[1].reshape(height, width)
    return relabelled.astype(np.int32)


COLOR_SPREAD = 10.0  # CIELAB distance over which zones count as one surface (Zhu et al.'s sigma_clr)


def backdrop(labels: np.ndarray, picture: np.ndarray) -> np.ndarray:
    """How likely each labelled zone is background, 0..1 per label: its boundary connectivity (Zhu,
    Liang, Wei and Sun, "Saliency Optimization from Robust Background Detection", CVPR 2014), the
    length of picture edge that the zone and the zones of its colour around it run along, over the
    square root of their area. The sky and the ground run along much of the edge; a figure does not,
    even where the frame cuts it. Only the top and the sides count: a figure often stands on the
    bottom edge, or is cut by it at the chest."""
    count = int(labels.max()) + 1
    rgb = region_means(labels, np.asarray(picture, np.float32)) / 255.0
    colors = rgb2lab(rgb)  # each zone's mean colour, in CIELAB
    # Geodesic colour distance between zones: the cheapest way through touching zones.
    distance = np.full((count, count), np.inf)
    np.fill_diagonal(distance, 0.0)
    touching = []
    for before, after in ((np.s_[:, :-1], np.s_[:, 1:]), (np.s_[:-1], np.s_[1:])):
        first, second = labels[before].ravel(), labels[after].ravel()
        apart = first != second
        touching.append(first[apart].astype(np.int64) * count + second[apart])
    pairs = np.unique(np.concatenate(touching))
    first, second = pairs // count, pairs % count
    distance[first, second] = distance[second, first] = np.linalg.norm(colors[first] - colors[second], axis=1)
    for middle in range(count):  # Floyd-Warshall: a few dozen zones
        np.minimum(distance, distance[:, middle, None] + distance[None, middle, :], out=distance)
    alike = np.exp(-(distance**2) / (2 * COLOR_SPREAD**2))
    area = np.bincount(labels.ravel(), minlength=count).astype(np.float64)
    edge = np.bincount(np.concatenate([labels[0], labels[:, 0], labels[:, -1]]), minlength=count)
    connectivity = (alike @ edge) / np.sqrt(alike @ area)
    return 1.0 - np.exp(-(connectivity**2) / 2.0)


def mass_outlines(zones: np.ndarray) -> list[TracedLine]:
    """The outlines of the biggest masses (`zones`, h w labels), as a painter's underdrawing places
    them: each smaller zone taken into the big one nearest it, the boundaries between the big ones
    rounded, traced from junction to junction and smoothed into long curves; the canvas's edge is
    no line. Longest first, in the picture's pixels."""
    height, width = zones.shape
    shrink = min(1.0, OUTLINE_SIDE / max(height, width))
    size = (max(1, round(width * shrink)), max(1, round(height * shrink)))
    small = cv2.resize(zones.astype(np.int32), size, interpolation=cv2.INTER_NEAREST)
    sizes = np.bincount(small.ravel())
    biggest = np.argsort(-sizes)[:OUTLINED_MASSES]
    biggest = biggest[sizes[biggest] >= OUTLINED_SHARE * small.size]
    if len(biggest) < 2:
        return []
    rank = np.full(len(sizes), 255, np.uint8)
    rank[biggest] = np.arange(len(biggest))
    big = rank[small]  # h w: 0 .. k-1 in the big masses, 255 elsewhere
    # Every other pixel joins the big mass nearest it (its Voronoi cell's).
    _, nearest = cv2.distanceTransformWithLabels(
        (big == 255).astype(np.uint8), cv2.DIST_L2, 5, labelType=cv2.DIST_LABEL_PIXEL
    )
    seeds = big[big != 255]  # the labels of the zero pixels, in the order OpenCV numbers them
    merged = seeds[nearest - 1]
    reach = 2 * round(OUTLINE_ROUNDING * max(size) / 2) + 1
    merged = cv2.medianBlur(merged, reach) if reach > 1 else merged
    boundary = np.zeros(merged.shape, bool)
    boundary[:, 1:] |= merged[:, 1:] != merged[:, :-1]
    boundary[1:] |= merged[1:] != merged[:-1]
    shortest = SHORTEST_OUTLINE * max(size)
    lines = []
    for line in trace_lines(boundary, shortest):
        path = smooth(line.path, max(1, reach // 2))
        simple = cv2.approxPolyDP(path.reshape(-1, 1, 2), OUTLINE_TOLERANCE * max(size), False)[:, 0]
        lines.append(TracedLine(simple.astype(np.float32) / shrink, np.ones(len(simple), np.float32)))
    return lines
