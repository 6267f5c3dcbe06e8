"""The order in which pixels get painted: reveal times in [0, 1) within a stage.

A pixel with reveal time t appears once the stage is a fraction t through. Unpainted pixels hold inf.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from paintsundo.undo.procedural.analysis import smooth_noise


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


LIKE_COLOURS = 48.0  # neighbouring flat regions closer than this (RGB distance) are one mass of paint


@dataclass(frozen=True)
class Fill:
    """When each pixel's flat colour goes down, and the plan behind it."""

    times: np.ndarray  # h w float32 in [0, 1)
    mass: np.ndarray  # h w int32: the mass each pixel is painted with
    seeds: np.ndarray  # mass 2: the (y, x) each mass's painting starts from
    brush: np.ndarray  # h w float32: the ragged edge added to the distance from a seed
    starts: np.ndarray  # per mass, in [0, 1)
    durations: np.ndarray  # per mass, summing to 1

    def front(self, mass: int, where: np.ndarray) -> np.ndarray:
        """How far the pixels `where` (h w bool) are from `mass`'s seed, brushed: painted in this order."""
        ys, xs = np.nonzero(where)
        return np.hypot(ys - self.seeds[mass, 0], xs - self.seeds[mass, 1]) + self.brush[ys, xs]


def fill_times(
    regions: np.ndarray,
    colours: np.ndarray,
    rng: np.random.Generator,
    canvas: np.ndarray,
    merge_like: bool = True,
) -> Fill:
    """Times for blocking in the flat colours, large masses first.

    A mass is a run of neighbouring regions of like colour (or each region, without `merge_like`);
    each is painted as one patch growing from a point in it, its edge loosely brushed, so that no
    holes open inside what is painted. Masses that are mostly bare `canvas` take no time."""
    mass = like_neighbours(regions, colours) if merge_like else regions
    count = int(mass.max()) + 1
    sizes = np.bincount(mass.ravel(), minlength=count).astype(np.float64)
    order = np.argsort(-sizes * rng.lognormal(0.0, 0.4, count))
    bare = np.bincount(mass.ravel(), canvas.ravel(), count) > 0.5 * sizes
    durations = np.where(bare & ~bare.all(), 0.0, sizes**0.6)
    starts = sequence(order, durations)
    durations = durations / durations.sum()
    height, width = regions.shape
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    seeds = _seed_points(mass, count, rng)
    brush = (smooth_noise((height, width), rng, 6) * 0.2 * max(height, width)).astype(np.float32)
    front = np.hypot(ys - seeds[mass, 0], xs - seeds[mass, 1]) + brush
    progress = rank_within(mass.ravel(), front.ravel()).reshape(height, width)
    times = (starts[mass] + durations[mass] * progress).astype(np.float32)
    return Fill(times, mass, seeds, brush, starts, durations)


def lay_grounds(
    fill: Fill, canvas: np.ndarray, masses: int = 8, backdrop: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The largest masses painted across the holes in them too, as a painter lays a ground under
    what goes on top: (flat times h w; ground times h w, inf where none; the mass whose colour is
    the ground, h w int32). With `backdrop`, the largest mass goes under the whole picture, as a
    vector illustration's background sits under every shape. Bare-canvas pixels are never painted."""
    times = fill.times.copy()
    ground = np.full(fill.mass.shape, np.inf, np.float32)
    source = np.zeros(fill.mass.shape, np.int32)
    sizes = np.bincount(fill.mass.ravel())
    backdropped = np.zeros(fill.mass.shape, bool)
    for rank, index in enumerate(np.argsort(-sizes)[:masses]):
        if sizes[index] < 0.02 * fill.mass.size:
            break
        own = fill.mass == index
        if canvas[own].mean() > 0.5:
            continue  # bare canvas lays no ground (and, the largest, is no backdrop)
        contours, _ = cv2.findContours(own.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        silhouette = np.zeros(own.shape, np.uint8)
        cv2.drawContours(silhouette, contours, -1, 1, thickness=cv2.FILLED)
        under_all = backdrop and rank == 0
        if under_all:
            silhouette[:] = 1
        within = (silhouette > 0) & (own | ~canvas)
        if within.sum() == own.sum():
            continue  # no holes
        # One growing patch over the mass and its holes, so both fronts move together.
        progress = rank_within(np.zeros(int(within.sum()), np.int8), fill.front(index, within))
        when = np.full(own.shape, np.inf, np.float32)
        when[within] = fill.starts[index] + fill.durations[index] * progress
        times[own] = when[own]
        holes = within & ~own & ((when < ground) & ~backdropped)
        ground[holes] = when[holes]
        source[holes] = index
        if under_all:
            backdropped = holes  # the backdrop is the bottom layer: no later ground replaces it
    return times, ground, source


def _seed_points(mass: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """One random pixel of each mass, as (y, x) rows indexed by mass (count 2)."""
    shuffled = rng.permutation(mass.size)
    seeds = np.zeros(count, np.int64)
    seeds[mass.ravel()[shuffled]] = shuffled  # the last write per mass wins: a random pixel of it
    return np.stack([seeds // mass.shape[1], seeds % mass.shape[1]], axis=1).astype(np.float32)


def like_neighbours(regions: np.ndarray, colours: np.ndarray) -> np.ndarray:
    """Regions merged with touching regions of like colour, relabelled 0 .. n-1 (h w int32)."""
    pairs = np.concatenate(
        [
            np.stack([regions[:, :-1].ravel(), regions[:, 1:].ravel()], axis=1),
            np.stack([regions[:-1].ravel(), regions[1:].ravel()], axis=1),
        ]
    )
    pairs = np.unique(pairs[pairs[:, 0] != pairs[:, 1]], axis=0)
    close = np.linalg.norm(colours[pairs[:, 0]] - colours[pairs[:, 1]], axis=1) < LIKE_COLOURS
    parent = np.arange(len(colours))

    def root(item: int) -> int:
        while parent[item] != item:
            parent[item] = parent[parent[item]]
            item = parent[item]
        return item

    for first, second in pairs[close]:
        parent[root(first)] = root(second)
    roots = np.array([root(item) for item in range(len(colours))])
    _, labels = np.unique(roots, return_inverse=True)
    return labels[regions].astype(np.int32)


def patch_times(keys: np.ndarray, rng: np.random.Generator, cells: int, spread: float) -> np.ndarray:
    """Times for painting in blotches: pixels go in order of key plus blotchy noise (h w)."""
    height, width = keys.shape
    noisy = keys + spread * smooth_noise((height, width), rng, cells)
    return rank_within(np.zeros(keys.size, np.int8), noisy.ravel()).reshape(height, width)
