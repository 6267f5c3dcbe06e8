"""How a painter lays paint: zones blocked in back to front with a big brush, then smaller brushes
where the canvas still differs most from the picture, then the finishing touches.

The strokes come from `brushwork` (Hertzmann 98) and are laid with a flat brush whose bristles go
in clumps; the zones come from `masses` (Felzenszwalb 2004), ordered by the workflow: the
background before the figures, far to near by aerial perspective (Gurney, *Color and Light*, 2010).
"""

from __future__ import annotations

import cv2
import numpy as np

from paintsundo.undo.procedural.brushwork import Brushstrokes, Reach, Zoning, plan_brushstrokes, reference_at
from paintsundo.undo.procedural.marks import MAX_STEP, Mark, flat_strokes
from paintsundo.undo.procedural.plan import Hand, Touches

BLOCK_IN_RADIUS = 0.045  # the block-in brush's radius, as a share of the picture's long side
BLOCK_IN_ERROR = 20.0  # a grid cell whose colour is this far (RGB) from the picture gets a stroke
REFINE_ERROR = (16.0, 14.0, 14.0, 14.0)  # the same, for each smaller brush in turn (halving the radius)
MOST_STROKES = (1400, 2000, 2400, 2400)  # at most this many strokes a brush, where the canvas is worst
SMALLEST_RADIUS = 1.0  # pixels: no brush is finer
BRISTLE_CLUMP = 0.012  # a flat brush's bristles go in clumps this wide, as a share of the long side
MIXING = (6.0, 6.0, 4.0, 3.0, 2.0)  # levels: how far off each brush's loads are mixed, block-in first
GAP_CHANCE = 0.4  # the chance of a dry gap between two clumps
GAP_WIDTH = (0.25, 0.6)  # a gap's width, as a share of a clump's
BRUSH_LIFT = 0.55  # a flat brush's width where it lifts off, as a share of its full width
PRESSURE = (0.85, 1.1)  # how much wider or narrower a stroke is pressed than the brush
CLUMP_SPREAD = 0.7  # how far a gap between clumps strays from even spacing, in clump widths
FINISH_PATCHES = 5  # the finishing touches go patch by patch over a grid this many patches across
BLOCK_IN_REACH = Reach(least=4, most=12)  # in steps of the brush's radius (Hertzmann: 4 to 16)
REFINE_REACH = Reach(least=4, most=16)
GROUND_BRUSH = 0.09  # the ground's brush, as a share of the picture's long side
GROUND_SPREAD = 3.0  # levels: how much each brushload of the ground differs from its tone
GROUND_POINTS = 6  # along each stroke of the ground


def paint_strokes(
    strokes: Brushstrokes,
    order: np.ndarray,
    hand: Hand,
    rng: np.random.Generator,
    share: tuple[float, float] = (0.0, 1.0),
    clump: float = 0.0,
    mixing: float = 0.0,
) -> list[Mark]:
    """Marks for planned brushstrokes, laid in `order` one after another over `share` of the hand's
    stage, each for a time in proportion to its length: a flat brush's, square where it lands,
    narrowing as it lifts, its bristles in clumps `clump` pixels wide with gaps between some, where
    what is under shows (see `bristle_ribbons`). Each brushload is mixed by eye: its colour is
    the planned one made lighter or darker by a random `mixing` levels (a standard deviation)."""
    if len(order) == 0:
        return []
    strokes = strokes.taken(order)
    times = hand.times(strokes.counts + 2.0, share)
    width = 2.0 * strokes.radius
    # Points half the narrowest width apart (1 to 8 pixels), so that it narrows gradually.
    pieces = max(1, int(np.ceil(strokes.radius / np.clip(BRUSH_LIFT * width / 2.0, 1.0, MAX_STEP))))
    points = _divided(strokes.points, pieces)
    counts = (strokes.counts - 1) * pieces + 1
    # Each stroke pressed a little harder or lighter: one brush, not one stamp.
    widths = brush_widths(points, width) * rng.uniform(*PRESSURE, (len(counts), 1)).astype(np.float32)
    ribbons = bristle_ribbons(counts, width, clump, 2 * pieces, rng)
    colors = np.clip(strokes.colors + rng.normal(0.0, mixing, (len(counts), 1)), 0.0, 255.0)
    return flat_strokes(points, counts, widths, colors, times, ribbons, stage=hand.stage.name)


def bristle_ribbons(
    counts: np.ndarray, width: float, clump: float, dry: int, rng: np.random.Generator
) -> list[np.ndarray | None]:
    """How a flat brush `width` pixels wide lays each of its strokes (of `counts` points): its
    bristles in clumps about `clump` pixels wide, some with a dry gap between them where the paint
    does not reach; each ribbon of paint between gaps may run dry up to `dry` points before the
    stroke's end (a Mark's ribbons; None: one ribbon, the whole width)."""
    clumps = max(1, round(width / clump)) if clump > 0 else 1
    if clumps < 2:
        return [None] * len(counts)
    gapped = rng.random((len(counts), clumps - 1)) < GAP_CHANCE
    half = rng.uniform(*GAP_WIDTH, (len(counts), clumps - 1)) * clump / width  # in half widths, halved
    shorter = np.floor(rng.random((len(counts), clumps)) ** 2 * dry)
    # Clumps of uneven size: the gaps between them fall anywhere across the brush, not as a comb's.
    spread = rng.uniform(-CLUMP_SPREAD, CLUMP_SPREAD, (len(counts), clumps - 1)) / clumps
    edges = np.linspace(-1.0, 1.0, clumps + 1)[1:-1] + spread  # k clumps-1
    found: list[np.ndarray | None] = []
    for index, count in enumerate(counts.tolist()):
        gaps = np.flatnonzero(gapped[index])
        if len(gaps) == 0:
            found.append(None)
            continue
        lows = np.concatenate([[-1.0], edges[index, gaps] + half[index, gaps]])
        highs = np.concatenate([edges[index, gaps] - half[index, gaps], [1.0]])
        ends = np.maximum(2.0, count - shorter[index, : len(lows)])
        found.append(np.stack([lows, highs, ends], axis=1))
    return found


def _divided(points: np.ndarray, pieces: int) -> np.ndarray:
    """Paths (k n 2) with each step divided into `pieces` (k (n-1)*pieces+1 2)."""
    if pieces == 1 or points.shape[1] < 2:
        return points
    share = (np.arange(pieces, dtype=np.float32) / pieces)[None, None, :, None]
    steps = points[:, :-1, None] + share * (points[:, 1:, None] - points[:, :-1, None])
    return np.concatenate([steps.reshape(len(points), -1, 2), points[:, -1:]], axis=1)


def brush_widths(paths: np.ndarray, width: float) -> np.ndarray:
    """A flat brush's width along paths (k n 2, each padded with its last point) (k n): it lands
    square, pressing to its full width within a third of it, and narrows over its last width as
    it lifts."""
    steps = np.hypot(*np.diff(paths, axis=1).transpose(2, 0, 1))
    along = np.concatenate([np.zeros((len(paths), 1), np.float32), np.cumsum(steps, axis=1)], axis=1)
    landing = np.clip(along / (0.3 * width), 0.0, 1.0)
    lifting = np.clip((along[:, -1:] - along) / width, 0.0, 1.0)
    lifted = BRUSH_LIFT + (1 - BRUSH_LIFT) * lifting
    return (width * np.minimum(0.8 + 0.2 * landing, lifted)).astype(np.float32)


def block_in(
    picture: np.ndarray,
    zones: np.ndarray,
    far_to_near: np.ndarray,
    hand: Hand,
    rng: np.random.Generator,
    share: tuple[float, float] = (0.0, 1.0),
) -> list[Mark]:
    """The zones painted back to front with the big brush in their local colour; a zone's strokes
    stay inside it, and zones not reached yet stay bare canvas."""
    radius = BLOCK_IN_RADIUS * max(picture.shape[:2])
    reference = reference_at(picture, radius)
    paper = np.full_like(picture, 255.0)
    rank = np.empty(len(far_to_near), np.int64)
    rank[far_to_near] = np.arange(len(far_to_near))
    zoning = Zoning(zones, rank)
    strokes = plan_brushstrokes(reference, paper, radius, BLOCK_IN_ERROR, rng, zoning, BLOCK_IN_REACH)
    zone_of = zones[strokes.starts[:, 1], strokes.starts[:, 0]].astype(np.int64)
    order = np.lexsort((rng.random(len(zone_of)), rank[zone_of])) if len(zone_of) else zone_of
    return paint_strokes(strokes, order, hand, rng, share, BRISTLE_CLUMP * max(picture.shape[:2]), MIXING[0])


def refine(
    picture: np.ndarray,
    canvas: np.ndarray,
    level: int,
    hand: Hand,
    rng: np.random.Generator,
    share: tuple[float, float] = (0.0, 1.0),
    within: np.ndarray | None = None,
) -> list[Mark]:
    """One pass of a brush of 1/2**(level+1) the block-in's size where the canvas still differs from
    the picture (`within` a part of it, h w bool: strokes start there)."""
    radius = max(SMALLEST_RADIUS, BLOCK_IN_RADIUS * max(picture.shape[:2]) / 2 ** (level + 1))
    reference = reference_at(picture, radius)
    most = MOST_STROKES[level] if within is None else round(MOST_STROKES[level] * within.mean())
    strokes = plan_brushstrokes(
        reference, canvas, radius, REFINE_ERROR[level], rng, reach=REFINE_REACH, most=most, within=within
    )
    order = rng.permutation(len(strokes))
    clump = BRISTLE_CLUMP * max(picture.shape[:2])
    return paint_strokes(strokes, order, hand, rng, share, clump, MIXING[level + 1])


def finishing_touches(
    picture: np.ndarray,
    canvas: np.ndarray,
    hand: Hand,
    rng: np.random.Generator,
    share: tuple[float, float] = (0.0, 1.0),
    areas: np.ndarray | None = None,
) -> Touches:
    """Small touches over every pixel the canvas has not got right: they lay the picture's own
    pixels, so the last frame is the picture. They go area by area (the picture's `areas`, h w
    labels, or else patches of a coarse grid), as an artist finishes one area before the next (the
    areas that need most first), the worst touches first within each."""
    height, width = picture.shape[:2]
    cell = max(3, round(max(height, width) / 160))
    # Cells of a grid bent by smooth noise read as dabs, not tiles.
    wobble = cell * 0.9
    noise = rng.normal(0, 1, (2, height // (cell * 2) + 2, width // (cell * 2) + 2)).astype(np.float32)
    dx, dy = (cv2.resize(n, (width, height), interpolation=cv2.INTER_CUBIC) * wobble for n in noise)
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    # (Cells counted from 0, whatever the wobble: -1 marks the pixels that need no touch.)
    columns = width // cell + 3
    rows = np.clip((ys + dy + cell) // cell, 0, None).astype(np.int64)
    labels = rows * columns + np.clip((xs + dx + cell) // cell, 0, columns - 1).astype(np.int64)
    if areas is not None:  # a touch stays within one area
        labels = labels * (int(areas.max()) + 1) + areas
    wrong = np.any(cv2.convertScaleAbs(canvas) != picture, axis=-1)  # as the frame will show it
    ids, labels = np.unique(np.where(wrong, labels, -1), return_inverse=True)
    labels = labels.reshape(height, width).astype(np.int32) - (1 if ids[0] == -1 else 0)
    count = int(labels.max()) + 1
    if count <= 0:
        return Touches.none((height, width))
    inside = labels >= 0
    sums = np.bincount(labels[inside], None, count).astype(np.float64)
    error = np.linalg.norm(canvas - picture, axis=-1)
    worst = np.bincount(labels[inside], error[inside], count) / np.maximum(sums, 1)
    patch = _patches(labels, inside, count, areas, max(cell, round(max(height, width) / FINISH_PATCHES)))
    need = np.bincount(patch, worst * sums)
    patch_rank = np.argsort(np.argsort(-need * rng.uniform(0.8, 1.25, len(need))))
    order = np.lexsort((-worst * rng.uniform(0.7, 1.3, count), patch_rank[patch]))
    frames = np.empty(count, np.float32)
    first = hand.stage.start + share[0] * hand.stage.frames
    span = (share[1] - share[0]) * hand.stage.frames - 1
    frames[order] = first + max(span, 0.0) * np.arange(count) / max(count - 1, 1)
    frames = np.clip(frames, 1, max(hand.stage.end - 1, 1))  # within the video, as Hand.times
    return Touches(labels, frames)


def _patches(
    labels: np.ndarray, inside: np.ndarray, count: int, areas: np.ndarray | None, side: int
) -> np.ndarray:
    """The patch each of `count` touches (`labels`, h w, where `inside`) belongs to: its area's, or
    the square of a grid of `side` pixels that holds its centre."""
    if areas is not None:
        patch = np.zeros(count, np.int64)
        patch[labels[inside]] = areas[inside]
        return patch
    width = labels.shape[1]
    ys, xs = np.nonzero(inside)
    sums = np.maximum(np.bincount(labels[inside], None, count), 1)
    centre_y = np.bincount(labels[inside], ys, count) / sums
    centre_x = np.bincount(labels[inside], xs, count) / sums
    return (centre_y // side).astype(np.int64) * (width // side + 1) + (centre_x // side).astype(np.int64)


def toned_ground(
    picture: np.ndarray, hand: Hand, rng: np.random.Generator, share: tuple[float, float]
) -> list[Mark]:
    """A ground of one tone (the picture's mean, thinned towards white) rubbed in with a big flat
    brush from the top down, as a painter tones the canvas before blocking in: short strokes
    crossing each other on the diagonals, not rows (which read as bands), each brushload a little
    lighter or darker."""
    height, width = picture.shape[:2]
    tone = 0.5 * (255.0 + picture.reshape(-1, 3).mean(axis=0))
    brush = max(4.0, GROUND_BRUSH * max(height, width))
    spacing = 0.7 * brush  # close enough that the crossing strokes leave no canvas bare
    ys, xs = np.mgrid[-spacing / 2 : height + spacing : spacing, -spacing / 2 : width + spacing : spacing]
    ys, xs = ys.ravel(), xs.ravel()
    centres = np.stack([xs, ys], axis=1) + rng.uniform(-0.3, 0.3, (len(xs), 2)) * spacing  # k 2, x y
    angles = np.where(rng.random(len(centres)) < 0.5, 1.0, -1.0) * rng.uniform(0.35, 0.85, len(centres))
    lengths = rng.uniform(2.5, 4.5, len(centres)) * brush
    along = np.linspace(-0.5, 0.5, GROUND_POINTS)[None, :, None]  # 1 n 1
    direction = np.stack([np.cos(angles), np.sin(angles)], axis=1)[:, None, :]  # k 1 2
    paths = (centres[:, None, :] + along * lengths[:, None, None] * direction).astype(np.float32)
    colors = np.repeat(tone[None].astype(np.float32), len(centres), axis=0)
    strokes = Brushstrokes(
        paths, np.full(len(centres), GROUND_POINTS), colors, brush / 2, np.zeros((len(centres), 2), np.intp)
    )
    order = np.lexsort((rng.random(len(centres)), ys))  # row by row from the top, loosely
    # Thin paint rubbed in: no dry gaps.
    return paint_strokes(strokes, order, hand, rng, share, mixing=GROUND_SPREAD)
