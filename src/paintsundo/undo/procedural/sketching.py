"""The first pencil marks: construction circles on the subject's masses with their centre lines, then
a rough of smooth, slightly-off curves drawn in a few light passes with overshoot.

The masses' circles are the largest circles inscribed in the subject's silhouette, found from its
distance transform one after another (as in the medial-axis description of a shape); each circle
stays inside the canvas.
"""

from __future__ import annotations

import cv2
import numpy as np

from paintsundo.undo.procedural.marks import Mark, stroke
from paintsundo.undo.procedural.plan import Hand
from paintsundo.undo.procedural.tracing import TracedLine

SKETCH_COLOR = (92.0, 112.0, 168.0)  # a soft blue pencil
CONSTRUCTION_OPACITY = 0.35
ROUGH_OPACITY = 0.55
MAX_CIRCLES = 5
OVAL = 1.1  # a construction circle is drawn as an oval at most this much wider than it is tall
SMALLEST_CIRCLE = 0.06  # of the picture's short side: smaller masses get no circle


def mass_circles(subject: np.ndarray) -> list[tuple[float, float, float]]:
    """The largest circles inscribed in a silhouette (h w bool), biggest first, as (x, y, radius);
    each one's own area is taken out before the next is found."""
    height, width = subject.shape
    remaining = subject.astype(np.uint8)
    smallest = SMALLEST_CIRCLE * min(height, width)
    circles = []
    for _ in range(MAX_CIRCLES):
        distance = cv2.distanceTransform(np.pad(remaining, 1), cv2.DIST_L2, 5)[1:-1, 1:-1]
        y, x = np.unravel_index(int(np.argmax(distance)), distance.shape)
        radius = float(distance[y, x])
        # A circle that would leave the canvas is made to fit: it is drawn whole, loosely (an oval
        # up to OVAL wide, a line's width more).
        radius = min(radius, (min(x, y, width - 1 - x, height - 1 - y) - 2) / OVAL)
        if radius < smallest:
            break
        circles.append((float(x), float(y), radius))
        cv2.circle(remaining, (int(x), int(y)), int(radius * 1.15), 0, -1)
    return circles


def construction(
    circles: list[tuple[float, float, float]],
    hand: Hand,
    rng: np.random.Generator,
    scale: float,
    share: tuple[float, float] = (0.0, 0.3),
) -> list[Mark]:
    """Each circle drawn loosely, a little oval and tilted, with a centre line through the biggest."""
    paths = []
    for x, y, radius in circles:
        turns = np.linspace(0, 2 * np.pi * rng.uniform(1.02, 1.08), 48) + rng.uniform(0, 2 * np.pi)
        stretch, tilt = rng.uniform(0.85, OVAL), rng.uniform(-0.3, 0.3)
        ring = np.stack([np.cos(turns) * radius * stretch, np.sin(turns) * radius], axis=1)
        rotation = np.array([[np.cos(tilt), -np.sin(tilt)], [np.sin(tilt), np.cos(tilt)]])
        paths.append(ring @ rotation.T + (x, y))
    if len(circles) >= 2:  # the figure's axis: through the two biggest masses, a little beyond
        (x0, y0, r0), (x1, y1, _) = circles[0], circles[1]
        direction = np.array([x1 - x0, y1 - y0]) / max(np.hypot(x1 - x0, y1 - y0), 1e-6)
        paths.append(np.array([(x0, y0) - direction * r0 * 0.8, (x1, y1) + direction * r0 * 0.5]))
    return _pencil(paths, hand, CONSTRUCTION_OPACITY, share, max(1.0, 0.004 * scale))


def rough(
    lines: list[TracedLine],
    hand: Hand,
    rng: np.random.Generator,
    scale: float,
    share: tuple[float, float] = (0.3, 1.0),
    passes: int = 2,
    layer: str = "sketch",
    color: tuple[float, float, float] = SKETCH_COLOR,
    opacity: float = ROUGH_OPACITY,
) -> list[Mark]:
    """The main lines searched for in light passes: simplified, a little off, overshooting their
    ends, each pass a little closer; big shapes first."""
    paths = []
    for index in range(passes):
        wander = 0.012 * scale * (passes - index) / passes
        for line in lines:
            simple = cv2.approxPolyDP(line.path.reshape(-1, 1, 2), max(1.0, 0.004 * scale), False)[:, 0]
            if len(simple) < 2:
                continue
            curve = _smooth_curve(simple.astype(np.float32))
            curve = curve + rng.normal(0, wander, 2) + _wobble(len(curve), wander, rng)
            paths.append(_overshoot(curve, rng.uniform(0.02, 0.06) * scale))
    return _pencil(paths, hand, opacity, share, max(1.0, 0.003 * scale), layer, color)


def _pencil(
    paths: list[np.ndarray],
    hand: Hand,
    opacity: float,
    share: tuple[float, float],
    width: float,
    layer: str = "sketch",
    color: tuple[float, float, float] = SKETCH_COLOR,
) -> list[Mark]:
    """Light pencil lines, one after another over `share` of the stage."""
    if not paths:
        return []
    lengths = [float(np.hypot(*np.diff(path, axis=0).T).sum()) + 5.0 for path in paths]
    starts, ends = hand.times(lengths, share)
    return [
        stroke(path, width, color, start, end, layer=layer, kind="line", opacity=opacity)
        for path, start, end in zip(paths, starts, ends, strict=True)
    ]


def _smooth_curve(points: np.ndarray, per_segment: int = 6) -> np.ndarray:
    """A Catmull-Rom curve through the points: a hand's curve, not a polygon's corners."""
    padded = np.concatenate([points[:1], points, points[-1:]])
    t = np.linspace(0, 1, per_segment, endpoint=False)[:, None]
    pieces = []
    for index in range(1, len(padded) - 2):
        p0, p1, p2, p3 = padded[index - 1 : index + 3]
        pieces.append(
            0.5
            * (
                2 * p1
                + (p2 - p0) * t
                + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t**2
                + (3 * p1 - p0 - 3 * p2 + p3) * t**3
            )
        )
    pieces.append(points[-1:])
    return np.concatenate(pieces).astype(np.float32)


def _wobble(count: int, amount: float, rng: np.random.Generator) -> np.ndarray:
    """A slow drift along a curve (count 2): a hand is never exact."""
    knots = max(2, count // 12)
    coarse = rng.normal(0, amount, (knots, 2))
    position = np.linspace(0, knots - 1, count)
    return np.stack([np.interp(position, np.arange(knots), coarse[:, axis]) for axis in range(2)], axis=1)


def _overshoot(curve: np.ndarray, reach: float) -> np.ndarray:
    """The curve run on a little past both ends, as a quick pencil line does."""
    if len(curve) < 2:
        return curve
    head = curve[0] - _unit(curve[1] - curve[0]) * reach
    tail = curve[-1] + _unit(curve[-1] - curve[-2]) * reach
    return np.concatenate([head[None], curve, tail[None]]).astype(np.float32)


def _unit(vector: np.ndarray) -> np.ndarray:
    return vector / max(float(np.hypot(*vector)), 1e-6)
