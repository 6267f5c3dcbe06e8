"""Lines as paths a pen can follow: a line mask thinned to its skeleton (scikit-image), traced from
end to end and junction to junction, with the line's width at each point from its distance
transform, then cut into strokes of a hand's length."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import cv2
import numpy as np
from skimage.morphology import skeletonize

# The 8 neighbours of a pixel, as (dy, dx), in the order they are tried.
NEIGHBOURS = ((-1, 0), (0, 1), (1, 0), (0, -1), (-1, 1), (1, 1), (1, -1), (-1, -1))


@dataclass(frozen=True)
class TracedLine:
    """One path along a line (n 2, x y) and its width at each point (n)."""

    path: np.ndarray
    widths: np.ndarray

    @property
    def length(self) -> float:
        return float(np.hypot(*np.diff(self.path, axis=0).T).sum()) if len(self.path) > 1 else 0.0


def trace_lines(mask: np.ndarray, min_length: float = 3.0) -> list[TracedLine]:
    """The lines of a mask (h w bool) as paths along their middles, longest first."""
    skeleton = skeletonize(mask)
    # The distance to the edge at a line's middle pixel is half its width where the width is even,
    # half a pixel more where it is odd: 2 d - 1/2 is within half a pixel of the width either way.
    width = cv2.distanceTransform(mask.astype(np.uint8), cv2.DIST_L2, 3) * 2.0 - 0.5
    lines = [
        TracedLine(pixels[:, ::-1].astype(np.float32), np.maximum(width[pixels[:, 0], pixels[:, 1]], 1.0))
        for pixels in _walk(skeleton)
    ]
    lines = [line for line in lines if line.length >= min_length]
    return sorted(lines, key=lambda line: -line.length)


def _walk(skeleton: np.ndarray) -> list[np.ndarray]:
    """Paths through a one-pixel-wide skeleton (each k 2, y x): from every end or junction to the
    next, then round what is left (closed loops)."""
    padded = np.pad(skeleton, 1).astype(np.uint8)
    count = cv2.filter2D(padded, -1, np.ones((3, 3), np.float32), borderType=cv2.BORDER_CONSTANT) - padded
    on = padded > 0
    nodes = on & (count != 2)  # ends (1), junctions (3+) and lone pixels (0)
    visited = np.zeros_like(on)
    paths = []
    for start in map(tuple, np.argwhere(nodes)):
        for step in NEIGHBOURS:
            path = _follow(on, nodes, visited, start, step)
            if path is not None:
                paths.append(path)
        if count[start] == 0:
            paths.append(np.array([start]))
    for start in map(tuple, np.argwhere(on & ~visited & ~nodes)):  # loops with no end
        if not visited[start]:
            visited[start] = True
            step = next(((dy, dx) for dy, dx in NEIGHBOURS if on[start[0] + dy, start[1] + dx]), None)
            if step is not None:
                path = _follow(on, nodes, visited, start, step, loop=True)
                if path is not None:
                    paths.append(path)
    return [path - 1 for path in paths]  # back from the padded coordinates


def _follow(
    on: np.ndarray,
    nodes: np.ndarray,
    visited: np.ndarray,
    start: tuple[int, int],
    step: tuple[int, int],
    loop: bool = False,
) -> np.ndarray | None:
    """The path from `start` taking `step` first, until a node or a dead end; None if that first
    pixel is off the skeleton or already walked."""
    y, x = start[0] + step[0], start[1] + step[1]
    if not on[y, x] or (visited[y, x] and not nodes[y, x]):
        return None
    path = [start, (y, x)]
    previous = start
    while not nodes[y, x]:
        visited[y, x] = True
        following = None
        for dy, dx in NEIGHBOURS:
            candidate = (y + dy, x + dx)
            if candidate != previous and on[candidate] and (not visited[candidate] or nodes[candidate]):
                following = candidate
                break
        if following is None or (loop and following == start):
            break
        previous, (y, x) = (y, x), following
        path.append((y, x))
    return np.array(path)


def under(image: np.ndarray, points: np.ndarray) -> np.ndarray:
    """The pixels of `image` (h w ...) nearest `points` (n 2, x y), those off it clamped to its edge."""
    xs = np.clip(np.round(points[:, 0]).astype(int), 0, image.shape[1] - 1)
    ys = np.clip(np.round(points[:, 1]).astype(int), 0, image.shape[0] - 1)
    return image[ys, xs]


def smooth(path: np.ndarray, reach: int = 2) -> np.ndarray:
    """A path with its pixel steps evened out by a moving average (its ends stay put)."""
    if len(path) <= 2 * reach + 1:
        return path
    kernel = np.ones(2 * reach + 1, np.float32) / (2 * reach + 1)
    inner = np.stack([np.convolve(path[:, axis], kernel, mode="valid") for axis in range(2)], axis=1)
    return np.concatenate([path[:reach], inner, path[-reach:]]).astype(np.float32)


def split(line: TracedLine, longest: float) -> list[TracedLine]:
    """A line cut into strokes of at most about `longest` pixels, as a hand draws a long one (a dot
    stays one)."""
    if len(line.path) < 2:
        return [line]
    steps = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(line.path, axis=0).T))])
    pieces = max(1, int(np.ceil(steps[-1] / longest)))
    bounds = np.searchsorted(steps, np.linspace(0, steps[-1], pieces + 1))
    bounds[-1] = len(line.path)
    return [
        TracedLine(line.path[max(first - 1, 0) : last], line.widths[max(first - 1, 0) : last])
        for first, last in itertools.pairwise(bounds)
        if last - max(first - 1, 0) >= 2
    ]
