"""Flat colours per region: from the scribbles in it, else from a reference's palette, else none."""

from __future__ import annotations

import cv2
import numpy as np

from paintsundo.coloring.procedural.hints import Hints
from paintsundo.coloring.procedural.regions import (
    boundaries,
    nearest_value,
    region_interiors,
    region_sizes,
    touching_border,
)

STROKE_SHARE = 0.15  # of a stroke's pixels inside a region: it is meant for that region
REGION_SHARE = 0.02  # of a region's pixels under one stroke: likewise, however long the stroke
MIN_HINT_PIXELS = 4  # fewer, and a stroke only grazes the region (an overshoot past its line)
SPECK_SHARE = 0.0004  # of the picture: smaller regions take their neighbours' colour
SLIVER_WIDTHS = 2.0  # line widths: thinner regions (between close lines, hatching) likewise
SLIVER_ROUNDS = 4  # a sliver beside only slivers waits for them: so many rounds at most
PALETTE_SIZE = 6
PALETTE_SIDE = 128  # the reference is read at most this many pixels across


def hinted_colors(labels: np.ndarray, hints: Hints) -> tuple[np.ndarray, np.ndarray]:
    """Each region's colour (regions+1 3) and whether a stroke gave it one (regions+1 bool).

    A stroke colours a region it lies in for a fair share of the stroke or of the region, so a
    scribble that overshoots its line does not colour the region beyond; where several strokes
    qualify, the one with most pixels there wins."""
    regions = int(labels.max()) + 1
    colors = np.zeros((regions, 3), np.float32)
    given = np.zeros(regions, bool)
    if hints.count == 0:
        return colors, given
    strokes = hints.count + 1
    pairs = np.bincount((labels * strokes + hints.strokes).ravel(), minlength=regions * strokes)
    counts = pairs.reshape(regions, strokes)
    counts[:, 0] = 0
    stroke_sizes = counts.sum(axis=0)
    sizes = region_sizes(labels)
    meant = (counts >= MIN_HINT_PIXELS) & (
        (counts >= STROKE_SHARE * stroke_sizes[None, :]) | (counts >= REGION_SHARE * sizes[:, None])
    )
    chosen = np.where(meant, counts, 0).argmax(axis=1)
    given = meant.any(axis=1)
    colors[given] = hints.colors[chosen[given]]
    return colors, given


def reference_palette(reference: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The reference picture's main colours (k 3 float32) and their shares (k), by k-means."""
    scale = PALETTE_SIDE / max(reference.shape[:2])
    small = cv2.resize(reference, None, fx=min(1.0, scale), fy=min(1.0, scale), interpolation=cv2.INTER_AREA)
    samples = small.reshape(-1, 3).astype(np.float32)
    count = min(PALETTE_SIZE, len(np.unique(samples, axis=0)))
    cv2.setRNGSeed(int(rng.integers(2**31)))
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 20, 1.0)
    _, assigned, centres = cv2.kmeans(samples, count, None, criteria, 3, cv2.KMEANS_PP_CENTERS)
    shares = np.bincount(assigned.ravel(), minlength=count) / len(samples)
    order = np.argsort(-shares)
    return centres[order].astype(np.float32), shares[order]


def palette_colors(
    labels: np.ndarray,
    colors: np.ndarray,
    given: np.ndarray,
    palette: tuple[np.ndarray, np.ndarray],
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Regions without a stroke take the palette's colours: the background (the largest region along
    the border) the lightest of its main colours, the others drawn by the colours' shares."""
    centres, shares = palette
    colors, given = colors.copy(), given.copy()
    sizes = region_sizes(labels)
    open_regions = np.flatnonzero(~given & (sizes > 0))
    open_regions = open_regions[open_regions > 0]
    if len(open_regions) == 0:
        return colors, given
    border = touching_border(labels)
    outside = [r for r in open_regions if border[r]]
    if outside:
        background = max(outside, key=lambda r: sizes[r])
        main = centres[: max(1, int(np.searchsorted(np.cumsum(shares), 0.8)) + 1)]
        colors[background] = main[np.argmax(main.sum(axis=1))]
        given[background] = True
        open_regions = open_regions[open_regions != background]
    picks = rng.choice(len(centres), size=len(open_regions), p=shares / shares.sum())
    colors[open_regions] = centres[picks]
    given[open_regions] = True
    return colors, given


def absorb_slivers(
    labels: np.ndarray, colors: np.ndarray, given: np.ndarray, line_width: float
) -> tuple[np.ndarray, np.ndarray]:
    """Each region's colour laid out (h w 3) and where there is one (h w bool), once the uncoloured
    specks and slivers (thinner than SLIVER_WIDTHS line widths: between two close lines, inside a
    line's loop) have taken the colour, or the paper, of the neighbour they
    share the longest boundary with; any left with only slivers around take the nearest colour, so
    the colours show no pinholes or streaks."""
    count = int(labels.max()) + 1
    edges = cv2.distanceTransform(region_interiors(labels), cv2.DIST_L2, 3)
    thick = np.bincount(labels[edges > SLIVER_WIDTHS * line_width / 2], minlength=count) > 0
    small = ~given & (~thick | (region_sizes(labels) < SPECK_SHARE * labels.size))
    small[0] = False
    colors, given = colors.copy(), given.copy()
    if small.any():
        pairs, lengths, _ = boundaries(labels)
        pairs = np.concatenate([pairs, pairs[:, ::-1]])  # (sliver, neighbour), both ways round
        pairs = pairs[np.argsort(np.tile(lengths, 2), kind="stable")]  # the longest written last, stays
        for _ in range(SLIVER_ROUNDS):
            open_pairs = pairs[small[pairs[:, 0]] & ~small[pairs[:, 1]]]
            if len(open_pairs) == 0:
                break
            host = np.zeros(count, np.int64)
            host[open_pairs[:, 0]] = open_pairs[:, 1]
            settled = np.flatnonzero(host)
            colors[settled], given[settled] = colors[host[settled]], given[host[settled]]
            small[settled] = False
    flat, colored = colors[labels], given[labels]
    stranded = small[labels]
    if stranded.any() and colored.any():
        flat[stranded] = nearest_value(flat, colored)[stranded]
        colored |= stranded
    return flat, colored
