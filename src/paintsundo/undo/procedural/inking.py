"""Line art, inked: the picture's lines traced into paths and laid stroke by stroke along them,
contour after contour from the top of the biggest figure (each stroke begun at the line end
nearest where the pen lifted), each one continuous path drawn over a frame or a few, in the
line's own colour."""

from __future__ import annotations

from collections import Counter

import cv2
import numpy as np

from paintsundo.undo.procedural.marks import Mark, stroke
from paintsundo.undo.procedural.tracing import TracedLine, smooth, split, trace_lines, under

STROKE_LENGTH = 0.12  # the longest stroke, as a share of the picture's long side
TAPER = 0.35  # how thin a pen stroke starts and ends, as a share of its width
SHORTEST_LINE = 3.0  # pixels: a trace shorter than this is a dot, or a knot where lines meet
SMALLEST_DOT = 2.0  # pixels across
INK_REACH = 0.01  # the radius, as a share of the long side, over which a line's ink is weighed


def ink_strokes(
    picture: np.ndarray,
    lines: np.ndarray,
    rng: np.random.Generator,
    layer: str = "lines",
    coverage: np.ndarray | None = None,
) -> tuple[list[Mark], list[float]]:
    """Marks along the lines of a mask (h w bool), ordered as an inker works, and their efforts.
    With `coverage` (h w, 0..1: how much ink covers each pixel), a thin line's pen is as wide as
    the ink across it, not as the mask, which takes in the line's soft edge."""
    _, parts = cv2.connectedComponents(lines.astype(np.uint8), connectivity=8)
    traced = _with_dots(trace_lines(lines, min_length=0.0), parts)
    if coverage is not None:
        reach = max(2, round(INK_REACH * max(coverage.shape)))
        disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * reach + 1, 2 * reach + 1)).astype(np.float32)
        across = cv2.filter2D(coverage.astype(np.float32), -1, disc / (2 * reach + 1))  # h w
        # (A dot keeps its width: the ink round it is its area, not a line's ink across.)
        traced = [line if len(line.path) < 2 else _weighed(line, coverage, across, reach) for line in traced]
    # From the top of the biggest figure (loosely), contour after contour, area by area.
    part_sizes = np.bincount(parts.ravel())
    loosely = part_sizes * rng.uniform(0.8, 1.25, len(part_sizes))
    figure = np.array([loosely[_part_of(line, parts)] for line in traced])
    tops = np.array([float(line.path[:, 1].min()) for line in traced])
    first = int(np.lexsort((tops, -figure))[0]) if traced else 0
    ordered = contour_order(traced, first)
    longest = STROKE_LENGTH * max(picture.shape[:2])
    pieces = [piece for line in ordered for piece in split(line, longest)]
    # A pen lifts off only where a line ends: where a piece meets another (the next piece of a long
    # line, or lines at a junction), it keeps its width, or every join would show as a pinch.
    ends = Counter(end for piece in pieces for end in _ends(piece))
    marks, efforts = [], []
    for piece in pieces:
        free = tuple(ends[end] == 1 for end in _ends(piece))
        marks.append(_pen(picture, piece, layer, free))
        efforts.append(piece.length + 4.0)
    return marks, efforts


def contour_order(lines: list[TracedLine], first: int = 0) -> list[TracedLine]:
    """Lines in the order a hand inks them: from line `first` (begun from its upper end), each next
    the line whose end is nearest where the pen lifted, drawn from that end: contours followed
    through their junctions, area by area, not pieces scattered about."""
    if len(lines) < 2:
        return lines
    starts = np.array([line.path[0] for line in lines])  # n 2, x y
    ends = np.array([line.path[-1] for line in lines])
    away = np.zeros(len(lines))  # where a line is taken, it is out of reach
    index = first
    backwards = bool(ends[index, 1] < starts[index, 1])
    ordered = []
    for _ in range(len(lines)):
        away[index] = np.inf
        line = lines[index]
        if backwards:
            line = TracedLine(line.path[::-1].copy(), line.widths[::-1].copy())
        ordered.append(line)
        pen = line.path[-1]
        to_start = np.hypot(*(starts - pen).T) + away
        to_end = np.hypot(*(ends - pen).T) + away
        index, backwards = (int(np.argmin(to_start)), False)
        if to_end.min() < to_start[index]:
            index, backwards = int(np.argmin(to_end)), True
    return ordered


def _part_of(line: TracedLine, parts: np.ndarray) -> int:
    """The connected part of the drawing (a label of `parts`, h w) a line begins in."""
    return int(under(parts, line.path[:1])[0])


def _with_dots(traced: list[TracedLine], parts: np.ndarray) -> list[TracedLine]:
    """The lines, and the dots that stand alone (an eye, a full stop): a trace too short to have a
    length is a dot only where it is all of its part of the drawing, not a knot where lines meet,
    and is as wide as a pen's dot, not a speck."""
    long = [line for line in traced if line.length >= SHORTEST_LINE]
    drawn = {_part_of(line, parts) for line in long}
    dots = [line for line in traced if line.length < SHORTEST_LINE and line.widths.max() >= SMALLEST_DOT]
    return long + [dot for dot in dots if _part_of(dot, parts) not in drawn]


def _ends(piece: TracedLine) -> tuple[tuple[int, int], tuple[int, int]]:
    first, last = np.round(piece.path[[0, -1]]).astype(int)
    return (int(first[0]), int(first[1])), (int(last[0]), int(last[1]))


def _pen(picture: np.ndarray, piece: TracedLine, layer: str, free: tuple[bool, bool]) -> Mark:
    """One pen stroke along a traced piece, in the line's colour (the darkest quarter of the
    picture's pixels under it), pressing in and lifting off at its `free` ends (start, end)."""
    path = smooth(piece.path)
    beneath = under(picture, path).reshape(-1, 3)
    darkest = beneath[np.argsort(beneath.sum(axis=1))[: max(1, len(beneath) // 4)]]
    along = np.linspace(0.0, 1.0, len(path))
    from_ends = np.minimum(np.where(free[0], along, 1.0), np.where(free[1], 1.0 - along, 1.0))
    pressure = TAPER + (1.0 - TAPER) * np.minimum(1.0, from_ends * 6.0)
    return stroke(path, piece.widths * pressure, darkest.mean(axis=0), 0, 0, layer=layer, kind="line")


def _weighed(line: TracedLine, coverage: np.ndarray, across: np.ndarray, reach: int) -> TracedLine:
    """A thin line's widths from the ink across it (`across`: the ink within a disc of radius
    `reach` round each pixel over the disc's diameter), in units of the line's own darkest ink;
    lines as wide as the disc keep theirs."""
    ink = under(coverage, line.path)
    darkest = np.sort(ink)[-max(1, len(ink) // 4) :].mean()
    weighed = np.clip(under(across, line.path) / max(float(darkest), 1e-3), 0.6, line.widths)
    return TracedLine(line.path, np.where(line.widths >= 2 * reach - 1, line.widths, weighed))
