"""Marks: what a hand lays on a canvas, the procedural engine's unit of drawing.

A workflow plans marks with times; `canvas.Canvas` lays them frame by frame. A mark has one colour.
Only the finishing pass, the artist's last small touches, takes its colours from the picture under
each touch.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

# The layers a digital artist keeps, bottom to top: paint over the paper, the rough sketch, the line
# art, and the last touches (which end on the picture itself).
LAYERS = ("paint", "sketch", "lines", "finish")
KINDS = ("stroke", "line", "fill", "erase", "finish")
SUBPIXEL_BITS = 4  # outlines are kept in fixed point, 1/16 of a pixel, as OpenCV draws them
SUBPIXEL = 1 << SUBPIXEL_BITS
MAX_STEP = 8.0  # pixels: a path with longer steps is resampled
OUTLINE_CHUNK = 6  # path points per outline polygon: too few for a bend to fold it over itself
TIPS = ("round", "flat")  # a round brush or pen ends in a disc; a flat brush ends square, its width across
# OpenCV's anti-aliased polygons and discs come out about this much wider each side than their
# outline (a slanted band 4 pixels wide lays 5.2 pixels of ink): outlines are drawn this much inside.
AA_BLEED = 0.6
# And its anti-aliased line of thickness t lays about LINE_INK + 2 floor(t / 2) pixels of ink across.
LINE_INK = 1.4


@dataclass(frozen=True)
class Outline:
    """A path mark's shape in fixed point: polygons along its body and a disc at each end, a width
    that can vary along it, round ends."""

    polygons: tuple[np.ndarray, ...]  # each k 2 int32
    discs: tuple[tuple[int, int, int], ...]  # x, y, radius
    line: np.ndarray | None = None  # a path of one width, drawn as a thick line (n 2 int32)
    thickness: int = 0  # that width, in whole pixels
    bounds: tuple[int, int, int, int] = (0, 0, 0, 0)  # top, left, bottom, right (exclusive), in pixels


def outline_of(
    path: np.ndarray, widths: np.ndarray, tip: str = "round", ribbons: np.ndarray | None = None
) -> Outline:
    """The outline of a path (n 2, x y) at half its width each side (n widths), with round ends or
    a flat brush's square ones, or a flat brush's `ribbons` (see Mark); a round path of one width
    is kept as a line, which OpenCV draws with round ends and joins."""
    bounds = _bounds(path, widths)
    if tip == "round" and np.ptp(widths) < 0.5:
        return Outline((), (), fixed_point(path), line_thickness(float(widths.mean())), bounds)
    half = drawn_half_widths(widths)
    polygons = ribbon_polygons(path, _normals(path) * half[:, None], ribbons)
    discs = []
    for index in sorted({0, len(path) - 1}) if tip == "round" or len(path) < 2 else ():
        x, y = fixed_point(path[index])
        discs.append((int(x), int(y), max(1, round(float(half[index]) * SUBPIXEL))))
    return Outline(tuple(polygons), tuple(discs), bounds=bounds)


def line_thickness(width: float) -> int:
    """The thickness of OpenCV's anti-aliased line that lays nearest `width` pixels of ink."""
    return max(1, 2 * round((width - LINE_INK) / 2.0))


def drawn_half_widths(widths: np.ndarray) -> np.ndarray:
    """How far each side of its path an outline is drawn, for a mark of these widths to lay them."""
    return np.maximum(np.asarray(widths, np.float32) / 2.0 - AA_BLEED, 0.05)


WHOLE = np.array([[-1.0, 1.0, np.inf]])  # one ribbon: the whole width, the whole length


def ribbon_polygons(
    path: np.ndarray, across: np.ndarray, ribbons: np.ndarray | None = None
) -> list[np.ndarray]:
    """Outline polygons (each k 2, fixed point) along a path (n 2) whose half width at each point is
    `across` (n 2, along the normal): one band per ribbon (r 3: from, to across the width, -1 to
    1, and the number of points it runs for), in pieces too short for a bend to fold over."""
    polygons = []
    for low, high, end in WHOLE if ribbons is None else ribbons:
        count = int(min(len(path), end))
        one = fixed_point(path[:count] + across[:count] * high)
        other = fixed_point(path[:count] + across[:count] * low)
        for first in range(0, max(count - 1, 1), OUTLINE_CHUNK):
            part = slice(first, first + OUTLINE_CHUNK + 1)
            polygons.append(np.concatenate([one[part], other[part][::-1]]))
    return polygons


def _bounds(path: np.ndarray, widths: np.ndarray) -> tuple[int, int, int, int]:
    """The pixels a path of these widths can touch, anti-aliasing included: top, left, bottom, right."""
    reach = float(widths.max()) / 2.0 + 2.0
    low, high = path.min(axis=0) - reach, path.max(axis=0) + reach
    return int(np.floor(low[1])), int(np.floor(low[0])), int(np.ceil(high[1])) + 1, int(np.ceil(high[0])) + 1


def _normals(points: np.ndarray) -> np.ndarray:
    """Unit normals along a path (n 2), from the direction through each point's neighbours."""
    if len(points) < 2:
        return np.zeros_like(points)
    steps = np.diff(points, axis=0)
    direction = np.concatenate([steps[:1], steps[:-1] + steps[1:], steps[-1:]])
    length = np.maximum(np.hypot(direction[:, 0], direction[:, 1]), 1e-6)[:, None]
    return np.stack([-direction[:, 1], direction[:, 0]], axis=1) / length


def fixed_point(points: np.ndarray) -> np.ndarray:
    """Points in pixels as OpenCV's fixed point of SUBPIXEL_BITS fractional bits."""
    return np.round(points * SUBPIXEL).astype(np.int32)


@dataclass(frozen=True)
class Area:
    """Pixels a fill covers: a box and a mask within it, with the order a sweep reaches them."""

    top: int
    left: int
    mask: np.ndarray  # h w bool, within the box
    arrival: np.ndarray  # h w float32 in [0, 1]: when, through the mark, each pixel is covered

    @classmethod
    def from_mask(cls, mask: np.ndarray, sweeps: int = 1, angle: float = 0.0) -> Area:
        """The pixels of a full-size mask (h w bool), laid at once or in `sweeps` bands across it."""
        ys, xs = np.nonzero(mask)
        top, left = int(ys.min()), int(xs.min())
        box = mask[top : ys.max() + 1, left : xs.max() + 1]
        return cls.from_box(top, left, box, sweeps, angle)

    @classmethod
    def from_box(cls, top: int, left: int, box: np.ndarray, sweeps: int = 1, angle: float = 0.0) -> Area:
        arrival = np.zeros(box.shape, np.float32)
        if sweeps > 1:
            ys, xs = np.mgrid[0 : box.shape[0], 0 : box.shape[1]].astype(np.float32)
            along = xs * np.cos(angle) + ys * np.sin(angle)
            inside = along[box]
            low, high = float(inside.min()), float(inside.max())
            band = np.floor((along - low) / max(high - low, 1e-6) * sweeps)
            arrival = (np.clip(band, 0, sweeps - 1) / (sweeps - 1)).astype(np.float32)
        return cls(top, left, np.ascontiguousarray(box, dtype=bool), arrival)

    @property
    def pixels(self) -> int:
        return int(self.mask.sum())


@dataclass(frozen=True)
class Mark:
    """One stroke, line, fill, erase or finishing touch, laid from frame `start` to frame `end`.

    Strokes, lines and erases follow `path` (n 2, x y) with a width at each point; fills and
    finishing touches cover an `area`. A mark in progress is laid along its path (or its sweep) in
    proportion to the time passed.
    """

    kind: str
    layer: str
    start: float
    end: float
    color: tuple[float, float, float] = (0.0, 0.0, 0.0)
    opacity: float = 1.0
    path: np.ndarray | None = None  # n 2 float32
    widths: np.ndarray | None = None  # n float32
    area: Area | None = None
    stage: str = ""
    tip: str = "round"  # a path mark's ends: see TIPS
    # A flat brush's bristles in clumps with gaps between: each ribbon (r 3) runs from, to across
    # the width (-1 to 1) and for so many of the path's points (the outer ones may run dry first).
    ribbons: np.ndarray | None = field(default=None, compare=False)
    note: dict = field(default_factory=dict, compare=False)
    outline: Outline | None = field(default=None, compare=False, repr=False)  # a path mark's shape

    def __post_init__(self) -> None:
        if self.kind not in KINDS or self.layer not in LAYERS:
            raise ValueError(f"unknown mark {self.kind!r} on layer {self.layer!r}")
        if (self.path is None) == (self.area is None):
            raise ValueError("a mark follows a path or covers an area, not both or neither")
        if self.end < self.start:
            raise ValueError(f"a mark ends ({self.end}) before it starts ({self.start})")
        if self.tip not in TIPS:
            raise ValueError(f"unknown tip {self.tip!r}")

    def begun(self, frame: float) -> bool:
        """Whether the mark's time starts within `frame` or before it (a frame lasts from its
        number to the next)."""
        return self.start < frame + 1.0

    def progress(self, frame: float) -> float:
        """How much of the mark is laid by the end of `frame`: 0 before the frame its time starts in,
        1 once finished. A mark's time runs from `start` to `end + 1` (a frame lasts from its number
        to the next), so a mark starting at 48.3 is mostly laid on frame 48, not first seen on 49."""
        if frame >= self.end:
            return 1.0
        if not self.begun(frame):
            return 0.0
        if self.end <= self.start:  # laid at once, on the frame its moment falls in
            return 1.0
        return (frame + 1.0 - self.start) / (self.end + 1.0 - self.start)


def stroke(
    path: np.ndarray,
    widths: np.ndarray | float,
    color: np.ndarray | tuple[float, float, float],
    start: float,
    end: float,
    *,
    layer: str = "paint",
    kind: str = "stroke",
    opacity: float = 1.0,
    stage: str = "",
    tip: str = "round",
) -> Mark:
    """A mark along `path` (n 2, x y): a brush stroke, a pen or pencil line, or an erase."""
    points = np.asarray(path, np.float32).reshape(-1, 2)
    if np.ndim(widths) == 0:
        width = np.full(len(points), widths, np.float32)
    else:
        width = np.asarray(widths, np.float32)
    # A width that changes along the path changes gradually, and a mark in progress ends smoothly
    # along a path of long straight steps (a polygon's corners).
    if np.ptp(width) >= 0.5 or (len(points) > 1 and np.hypot(*np.diff(points, axis=0).T).max() > MAX_STEP):
        points, width = resample(points, width)
    return Mark(
        kind, layer, float(start), float(end), _rgb(color), float(opacity), points, width,
        stage=stage, tip=tip, outline=outline_of(points, width, tip),
    )  # fmt: skip


def flat_strokes(
    paths: np.ndarray,
    counts: np.ndarray,
    widths: np.ndarray,
    colors: np.ndarray,
    times: tuple[np.ndarray, np.ndarray],
    ribbons: list[np.ndarray | None],
    *,
    stage: str = "",
) -> list[Mark]:
    """Many strokes of a flat brush, their outlines found together (much faster than one by one):
    `paths` (k n 2) hold each stroke's `counts` points, then its last point repeated; `widths`
    (k n) likewise; `colors` (k 3); `times` their start and end frames (k each); `ribbons` each
    stroke's (see Mark), None for the whole width."""
    steps = np.diff(paths, axis=1)
    direction = np.concatenate([steps[:, :1], steps[:, :-1] + steps[:, 1:], steps[:, -1:]], axis=1)
    length = np.maximum(np.hypot(direction[..., 0], direction[..., 1]), 1e-6)
    across = (
        np.stack([-direction[..., 1], direction[..., 0]], axis=-1)
        * (drawn_half_widths(widths) / length)[..., None]
    )
    reach = widths.max(axis=1) / 2.0 + 2.0
    low, high = paths.min(axis=1) - reach[:, None], paths.max(axis=1) + reach[:, None]
    top, first_column = np.floor(low[:, 1]).astype(int), np.floor(low[:, 0]).astype(int)
    bottom, last_column = np.ceil(high[:, 1]).astype(int) + 1, np.ceil(high[:, 0]).astype(int) + 1
    marks = []
    for index, count in enumerate(counts.tolist()):
        polygons = ribbon_polygons(paths[index, :count], across[index, :count], ribbons[index])
        bounds = (int(top[index]), int(first_column[index]), int(bottom[index]), int(last_column[index]))
        time = float(times[0][index]), float(times[1][index])
        outline = Outline(tuple(polygons), (), bounds=bounds)
        path, width = paths[index, :count], widths[index, :count]
        mark = Mark(
            "stroke", "paint", *time, _rgb(colors[index]), path=path, widths=width, stage=stage,
            tip="flat", ribbons=ribbons[index], outline=outline,
        )  # fmt: skip
        marks.append(mark)
    return marks


def fill(
    area: Area,
    color: np.ndarray | tuple[float, float, float],
    start: float,
    end: float | None = None,
    *,
    layer: str = "paint",
    opacity: float = 1.0,
    stage: str = "",
) -> Mark:
    """A bucket fill or lasso of one colour over `area`, laid at once or in the area's sweeps."""
    return Mark(
        "fill", layer, float(start), float(start if end is None else end), _rgb(color), float(opacity),
        area=area, stage=stage,
    )  # fmt: skip


def _rgb(color: np.ndarray | tuple[float, float, float]) -> tuple[float, float, float]:
    red, green, blue = (float(value) for value in np.asarray(color, np.float32).reshape(3))
    return red, green, blue


def count_by_kind(marks: list[Mark] | tuple[Mark, ...]) -> dict[str, int]:
    """How many marks of each kind a plan lays, for the manifest."""
    counts = dict.fromkeys(KINDS, 0)
    for mark in marks:
        counts[mark.kind] += 1
    return counts


def resample(path: np.ndarray, widths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The path with points about a third of a width apart (1 to 8 px), so that a mark in progress
    ends smoothly along it and its width changes gradually."""
    steps = np.hypot(*np.diff(path, axis=0).T)
    along = np.concatenate([[0.0], np.cumsum(steps)])
    spacing = float(np.clip(widths.min() / 3.0, 1.0, 8.0))
    if along[-1] <= spacing:
        return path, widths
    samples = np.arange(int(np.ceil(along[-1] / spacing)) + 1) * (along[-1] / np.ceil(along[-1] / spacing))
    points = np.empty((len(samples), 2), np.float32)
    points[:, 0] = np.interp(samples, along, path[:, 0])
    points[:, 1] = np.interp(samples, along, path[:, 1])
    return points, np.interp(samples, along, widths).astype(np.float32)
