"""The order in which pixels get painted: reveal times in [0, 1) within a stage.

A pixel with reveal time t appears once the stage is a fraction t through. Unpainted pixels hold inf.
"""

from __future__ import annotations

import cv2
import numpy as np

from paintsundo.procedural.analysis import smooth_noise


def rank_within(groups: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Each element's rank by key among elements of its group, as a fraction in [0, 1)."""
    order = np.lexsort((keys, groups))
    sorted_groups = groups[order]
    first = np.r_[0, np.flatnonzero(np.diff(sorted_groups)) + 1]
    sizes = np.diff(np.r_[first, len(order)])
    starts = np.repeat(first, sizes)
    ranks = np.empty(len(order), np.float32)
    ranks[order] = (np.arange(len(order)) - starts) / np.repeat(sizes, sizes)
    return ranks


def sequence(order: np.ndarray, durations: np.ndarray) -> np.ndarray:
    """Start times in [0, 1) for items taken one after another in `order`, each for its duration."""
    starts = np.empty(len(order), np.float64)
    cumulative = np.cumsum(durations[order])
    total = cumulative[-1] if len(cumulative) else 1.0
    starts[order] = (cumulative - durations[order]) / total
    return starts


def stroke_times(mask: np.ndarray, rng: np.random.Generator, cell: int) -> np.ndarray:
    """Times for drawing a line mask stroke by stroke: big connected shapes first, and within each,
    pieces of about `cell` pixels drawn outward from its top, each along its own direction."""
    times = np.full(mask.shape, np.inf, np.float32)
    ys, xs = np.nonzero(mask)
    if len(ys) == 0:
        return times
    _, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    component = labels[ys, xs]
    # Bigger shapes first, loosely: artists block in the main contours before small details.
    size_key = stats[:, cv2.CC_STAT_AREA] * rng.lognormal(0.0, 0.5, len(stats))
    component_rank = np.argsort(np.argsort(-size_key))
    anchor_x = stats[:, cv2.CC_STAT_LEFT] + stats[:, cv2.CC_STAT_WIDTH] * rng.random(len(stats))
    anchor_y = stats[:, cv2.CC_STAT_TOP].astype(np.float64)

    cells_x = mask.shape[1] // cell + 1
    _, piece = np.unique(
        component * (cells_x * (mask.shape[0] // cell + 1)) + (ys // cell) * cells_x + xs // cell,
        return_inverse=True,
    )
    pieces = piece.max() + 1
    count = np.bincount(piece, minlength=pieces).astype(np.float64)
    mean_x = np.bincount(piece, xs, pieces) / count
    mean_y = np.bincount(piece, ys, pieces) / count
    piece_component = np.zeros(pieces, np.int64)
    piece_component[piece] = component
    reach = np.hypot(mean_x - anchor_x[piece_component], mean_y - anchor_y[piece_component])
    reach = reach * rng.uniform(0.85, 1.15, pieces)
    order = np.lexsort((reach, component_rank[piece_component]))
    starts = sequence(order, np.sqrt(count))
    durations = np.sqrt(count) / np.sqrt(count).sum()

    progress = rank_within(
        piece,
        _along_axis(
            piece, xs, ys, mean_x, mean_y, count, anchor_x[piece_component], anchor_y[piece_component]
        ),
    )
    times[ys, xs] = starts[piece] + durations[piece] * progress
    return times


def _along_axis(piece, xs, ys, mean_x, mean_y, count, anchor_x, anchor_y) -> np.ndarray:
    """Position of each pixel along its piece's main axis, pointing away from the anchor."""
    dx = xs - mean_x[piece]
    dy = ys - mean_y[piece]
    pieces = len(count)
    cxx = np.bincount(piece, dx * dx, pieces) / count
    cyy = np.bincount(piece, dy * dy, pieces) / count
    cxy = np.bincount(piece, dx * dy, pieces) / count
    angle = 0.5 * np.arctan2(2 * cxy, cxx - cyy)
    ux, uy = np.cos(angle), np.sin(angle)
    outward = (mean_x - anchor_x) * ux + (mean_y - anchor_y) * uy
    sign = np.where(outward < 0, -1.0, 1.0)
    return (dx * ux[piece] + dy * uy[piece]) * sign[piece]


def fill_times(regions: np.ndarray, count: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Times for filling regions one by one, large ones first, each with a ragged brush front.

    Returns the per-pixel times (h w) and each region's start time."""
    sizes = np.bincount(regions.ravel(), minlength=count).astype(np.float64)
    order = np.argsort(-sizes * rng.lognormal(0.0, 0.6, count))
    durations = sizes**0.6
    starts = sequence(order, durations)
    durations = durations / durations.sum()
    height, width = regions.shape
    angle = rng.uniform(0, 2 * np.pi, count)
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    along = xs * np.cos(angle)[regions] + ys * np.sin(angle)[regions]
    front = along + smooth_noise((height, width), rng, 10) * 0.25 * max(height, width)
    progress = rank_within(regions.ravel(), front.ravel()).reshape(height, width)
    times = starts[regions] + durations[regions] * progress
    return times.astype(np.float32), starts


def patch_times(keys: np.ndarray, rng: np.random.Generator, cells: int, spread: float) -> np.ndarray:
    """Times for painting in blotches: pixels go in order of key plus blotchy noise (h w)."""
    height, width = keys.shape
    noisy = keys + spread * smooth_noise((height, width), rng, cells)
    return rank_within(np.zeros(keys.size, np.int8), noisy.ravel()).reshape(height, width)
