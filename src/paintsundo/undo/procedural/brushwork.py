"""Curved brush strokes that follow the form, planned where the canvas still differs from the picture.

After Hertzmann, "Painterly Rendering with Curved Brush Strokes of Multiple Sizes" (SIGGRAPH 98):
a stroke starts where the error is largest in its grid cell, takes the colour of the picture blurred
to the brush's size there, and runs along the isophotes (across the gradient) until the canvas is
already closer to the picture than the stroke's colour would be, but not before its shortest length.
Strokes grow both ways from their start, so one that starts by an edge still gets its length, and
run off the canvas's edge as a brush does; the isophotes are those of the structure tensor smoothed
to the brush's size, which gives flat areas the direction of the forms around them. A start that a
stroke planned before it (from a worse cell) already crosses is dropped, as it would cover the same
ground again. All strokes of one brush are traced together, as arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

CURVE_FILTER = 0.5  # how much a stroke keeps its last direction at each step (Hertzmann's f_c)
BLUR_PER_RADIUS = 0.5  # the reference is the picture blurred by this times the brush radius (f_sigma)
FLOW_PER_RADIUS = 1.5  # the isophotes are smoothed over this times the brush radius
CANDIDATES_PER_STROKE = 4  # strokes traced for each one a brush may lay: most are spared
FLAT = 4.0  # below this gradient energy (squared Sobel levels) an area has no direction of its own


@dataclass(frozen=True)
class Brushstrokes:
    """The strokes of one brush: their paths, k of them padded to one length (k n 2, x y; after its
    `counts` points, each repeats its last), their colours (k 3), the brush radius, and where each
    started (k 2, x y: within its path, which grew both ways from there)."""

    points: np.ndarray
    counts: np.ndarray
    colors: np.ndarray
    radius: float
    starts: np.ndarray

    @classmethod
    def none(cls, radius: float) -> Brushstrokes:
        empty = np.zeros((0, 1, 2), np.float32)
        return cls(
            empty, np.zeros(0, np.intp), np.zeros((0, 3), np.float32), radius, np.zeros((0, 2), np.intp)
        )

    def __len__(self) -> int:
        return len(self.counts)

    @property
    def paths(self) -> list[np.ndarray]:
        """Each stroke's path (n 2, x y)."""
        return [points[:count] for points, count in zip(self.points, self.counts, strict=True)]

    def taken(self, chosen: np.ndarray) -> Brushstrokes:
        return Brushstrokes(
            self.points[chosen], self.counts[chosen], self.colors[chosen], self.radius, self.starts[chosen]
        )


@dataclass(frozen=True)
class Reach:
    """How far a brush's strokes run, in steps of its radius: at least `least` before the canvas
    may stop them (Hertzmann's minimum length), at most `most` (his maximum)."""

    least: int = 4
    most: int = 12


@dataclass(frozen=True)
class Zoning:
    """Zones that keep strokes in: a stroke stays in the zone it starts in, except that it may run a
    little into a zone painted after its own (`ranks`: each zone's place in the order), which
    covers it later, as a painter's background strokes run under the figure's edge."""

    labels: np.ndarray  # h w int32
    ranks: np.ndarray | None = None  # per label


def reference_at(picture: np.ndarray, radius: float) -> np.ndarray:
    """The picture as a brush of `radius` sees it: blurred to its size (h w 3 float32)."""
    return cv2.GaussianBlur(picture, (0, 0), max(0.5, BLUR_PER_RADIUS * radius))


@dataclass(frozen=True)
class Flow:
    """The isophotes' direction field at one brush's scale, kept small: `along` (h w 2, unit x y,
    as an orientation: its sign means nothing), `flat` (h w bool) where there is none, and the
    size of one of its pixels in the picture's."""

    along: np.ndarray
    flat: np.ndarray
    scale: float

    def at(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The direction (k 2) and flatness (k) at points (k 2, x y, picture pixels)."""
        height, width = self.flat.shape
        x = np.clip(points[:, 0] / self.scale, 0, width - 1).astype(np.intp)
        y = np.clip(points[:, 1] / self.scale, 0, height - 1).astype(np.intp)
        return self.along[y, x], self.flat[y, x]


def isophotes(reference: np.ndarray, radius: float) -> Flow:
    """The direction across the light's gradient, from the structure tensor of the reference's
    luminance smoothed over the brush's reach, on a copy shrunk to about half the radius a pixel."""
    scale = max(1.0, radius / 2.0)
    luminance = cv2.cvtColor(reference, cv2.COLOR_RGB2GRAY)
    if scale > 1.0:
        size = (max(1, round(luminance.shape[1] / scale)), max(1, round(luminance.shape[0] / scale)))
        luminance = cv2.resize(luminance, size, interpolation=cv2.INTER_AREA)
        scale = reference.shape[1] / size[0]
    gx = cv2.Sobel(luminance, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(luminance, cv2.CV_32F, 0, 1, ksize=3)
    tensor = cv2.GaussianBlur(
        cv2.merge([gx * gx, gx * gy, gy * gy]), (0, 0), FLOW_PER_RADIUS * radius / scale
    )
    xx, xy, yy = cv2.split(tensor)
    across = 0.5 * np.arctan2(2.0 * xy, xx - yy)  # the gradient's orientation
    along = np.stack([-np.sin(across), np.cos(across)], axis=-1).astype(np.float32)
    return Flow(along, (xx + yy) < FLAT, scale)


def plan_brushstrokes(
    reference: np.ndarray,
    canvas: np.ndarray,
    radius: float,
    threshold: float,
    rng: np.random.Generator,
    zoning: Zoning | None = None,
    reach: Reach = Reach(),
    most: int | None = None,
    within: np.ndarray | None = None,
) -> Brushstrokes:
    """Strokes of a brush of `radius` over a canvas (h w 3) towards `reference` (h w 3): one from
    each grid cell whose mean colour error exceeds `threshold`, worst first, but none from a cell
    that a stroke planned before it already crosses (at most `most` strokes), kept in by `zoning`;
    only `within` a part of the canvas (h w bool), if given."""
    error = np.sqrt(((canvas - reference) ** 2).sum(axis=-1))
    if within is not None:
        error = error * within
    starts = _cell_starts(error, max(1, round(radius)), threshold, rng)
    if most is not None:  # the worst cells: more than enough for `most` strokes once spared
        starts = starts[: CANDIDATES_PER_STROKE * most]
    if len(starts) == 0:
        return Brushstrokes.none(radius)
    colors = reference[starts[:, 1], starts[:, 0]].astype(np.float32)
    flow = isophotes(reference, radius)
    track = _Track(reference, canvas, colors, radius, zoning, reach)
    # Both ways from the start along the isophote: the halves are traced together, then joined.
    count = len(starts)
    points = starts.astype(np.float32)
    heading, flat = flow.at(points)
    heading = np.where(flat[:, None], _random_directions(count, rng), heading)
    halves = track.walk(np.concatenate([points, points]), np.concatenate([heading, -heading]), flow)
    joined, counts = _joined(halves[:, :count], halves[1:, count:])
    strokes = Brushstrokes(joined, counts, colors, radius, starts)
    return strokes.taken(_spared(strokes, canvas.shape[:2], most))


def _joined(forward: np.ndarray, back: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each stroke's back half reversed, then its forward half (each steps k 2, NaN once stopped),
    as paths padded with their last point (k n 2), and their lengths in points (k)."""
    backs = (~np.isnan(back[..., 0])).sum(axis=0)
    forwards = (~np.isnan(forward[..., 0])).sum(axis=0)
    both = np.concatenate([back[::-1], forward]).transpose(1, 0, 2)  # k n 2
    first = len(back) - backs
    index = np.minimum(first[:, None] + np.arange(both.shape[1]), (first + backs + forwards - 1)[:, None])
    counts = backs + forwards
    return np.take_along_axis(both, index[..., None], axis=1)[:, : int(counts.max())], counts


def _spared(strokes: Brushstrokes, shape: tuple[int, int], most: int | None) -> np.ndarray:
    """Which strokes (in the order planned, worst first) a painter lays: not those starting where
    one laid before already runs, as each would cover the same ground again."""
    cell = max(1.0, strokes.radius)
    crossed = np.zeros((int(shape[0] / cell) + 2, int(shape[1] / cell) + 2), np.uint8)
    cells = np.round(strokes.points / cell * 16).astype(np.int32)  # in sixteenths of a cell
    starts = (strokes.starts / cell).astype(np.intp)
    kept = []
    for index, count in enumerate(strokes.counts.tolist()):
        if crossed[starts[index, 1], starts[index, 0]]:
            continue
        kept.append(index)
        if most is not None and len(kept) >= most:
            break
        cv2.polylines(crossed, [cells[index, :count]], False, 1, 1, cv2.LINE_8, 4)
    return np.array(kept, np.intp)


@dataclass(frozen=True)
class _Track:
    """What stops a brush's strokes: the canvas's edge, their zones, and (past the shortest length)
    a canvas already nearer the picture than their colour."""

    reference: np.ndarray
    canvas: np.ndarray
    colors: np.ndarray  # k 3, one per stroke
    radius: float
    zoning: Zoning | None
    reach: Reach

    def walk(self, starts: np.ndarray, headings: np.ndarray, flow: Flow) -> np.ndarray:
        """Half strokes from `starts` (2k 2) heading off along `headings`: their points, a step of
        the radius apart, NaN once stopped (steps+1, 2k, 2)."""
        height, width = self.canvas.shape[:2]
        steps, least = -(-self.reach.most // 2), -(-self.reach.least // 2)
        colors = np.concatenate([self.colors, self.colors])
        points = np.full((steps + 1, len(starts), 2), np.nan, np.float32)
        points[0] = starts
        labels = self.zoning.labels if self.zoning is not None else None
        ranks = self.zoning.ranks if self.zoning is not None else None
        own = labels[starts[:, 1].astype(int), starts[:, 0].astype(int)] if labels is not None else None
        # Only the strokes still going are stepped on: `going` indexes them.
        going = np.arange(len(starts))
        position, previous = starts.astype(np.float32), headings.astype(np.float32)
        for step in range(1, steps + 1):
            direction, flat = flow.at(position)
            direction = np.where(((direction * previous).sum(axis=1) < 0)[:, None], -direction, direction)
            direction = (1 - CURVE_FILTER) * direction + CURVE_FILTER * previous  # keep heading this way
            direction /= np.maximum(np.hypot(direction[:, 0], direction[:, 1]), 1e-6)[:, None]
            direction = np.where(flat[:, None], previous, direction)  # no form here: on straight
            position = position + self.radius * direction
            inside = (position[:, 0] >= 0) & (position[:, 0] <= width - 1)
            inside &= (position[:, 1] >= 0) & (position[:, 1] <= height - 1)
            alive = inside.copy()
            x = np.clip(position[:, 0], 0, width - 1).astype(np.intp)
            y = np.clip(position[:, 1], 0, height - 1).astype(np.intp)
            if labels is not None and own is not None:
                zone, home = labels[y, x], own[going]
                if ranks is not None:
                    # Into a zone painted later: half a step over its edge, then off the canvas.
                    over = alive & (zone != home) & (ranks[zone] > ranks[home])
                    points[step, going[over]] = (position - 0.5 * self.radius * direction)[over]
                alive &= zone == home
            if step > least:
                here = self.reference[y, x]
                canvas_off = ((here - self.canvas[y, x]) ** 2).sum(axis=1)
                alive &= canvas_off >= ((here - colors[going]) ** 2).sum(axis=1)
            # A stroke runs off the canvas's edge, as a brush does, and ends there.
            points[step, going[alive | ~inside]] = position[alive | ~inside]
            going, position, previous = going[alive], position[alive], direction[alive]
            if len(going) == 0:
                break
        return points


def _cell_starts(error: np.ndarray, cell: int, threshold: float, rng: np.random.Generator) -> np.ndarray:
    """Per grid cell whose mean error exceeds `threshold`, its pixel of largest error (k 2, x y),
    the cells with the largest mean error first."""
    height, width = error.shape
    rows, columns = -(-height // cell), -(-width // cell)
    padded = np.zeros((rows * cell, columns * cell), np.float32)
    padded[:height, :width] = error
    cells = padded.reshape(rows, cell, columns, cell).transpose(0, 2, 1, 3).reshape(rows, columns, -1)
    # A little noise breaks ties in even areas, so strokes do not all start at a cell's corner.
    jittered = cells + rng.random(cells.shape, dtype=np.float32) * 1e-3
    worst = jittered.argmax(axis=-1)
    mean = cells.mean(axis=-1)
    chosen = np.argwhere(mean > threshold)
    chosen = chosen[np.argsort(-mean[chosen[:, 0], chosen[:, 1]], kind="stable")]
    within = worst[chosen[:, 0], chosen[:, 1]]
    ys = chosen[:, 0] * cell + within // cell
    xs = chosen[:, 1] * cell + within % cell
    inside = (ys < height) & (xs < width)
    return np.stack([xs[inside], ys[inside]], axis=1)


def _random_directions(count: int, rng: np.random.Generator) -> np.ndarray:
    angles = rng.uniform(0, 2 * np.pi, count)
    return np.stack([np.cos(angles), np.sin(angles)], axis=1).astype(np.float32)
