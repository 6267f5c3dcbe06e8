"""Flat graphic and vector illustration: shape by shape, back to front (a shape that encloses others
before them, as vector formats stack them: SVG 1.1, "Rendering Order"), each placed as a path and
then filled at once in its final flat colour; the big shapes first, the small ones in the details,
then the finishing touches (anti-aliased edges, gradients)."""

from __future__ import annotations

import cv2
import numpy as np

from paintsundo.procedural import WORKFLOW_STAGES
from paintsundo.procedural.analysis import CANVAS_LEVEL, flat_regions, region_means
from paintsundo.procedural.canvas import Canvas
from paintsundo.procedural.known import ColouringLayers
from paintsundo.procedural.marks import Area, Mark, fill, stroke
from paintsundo.procedural.painterly import finishing_touches
from paintsundo.procedural.plan import Hand, Plan
from paintsundo.procedural.timeline import Stage, Timeline
from paintsundo.procedural.workflows import Roles, Workflow

BIG_SHARE = 0.8  # the largest shapes, covering this share of the picture, come in the first stage
PATH_COLOUR = (40.0, 140.0, 230.0)  # a vector program's path, shown while it is drawn
SHORTEST_PATH = 0.05  # of the long side: a speck's outline is not drawn as a path
FILL_AFTER = 1.0  # a shape is filled this many frames before the next one's path starts


def plan(
    pixels: np.ndarray,
    timeline: Timeline,
    rng: np.random.Generator,
    habits: frozenset[str],
    known: ColouringLayers | None = None,
) -> tuple[Plan, Canvas]:
    picture = pixels.astype(np.float32)
    bare = picture.min(axis=-1) >= CANVAS_LEVEL
    regions = flat_regions(picture)
    colours = region_means(regions, picture)
    shapes = [shape for shape in _shapes(regions, bare) if shape[1].any()]
    # Back to front: the larger a shape's outline (holes and all), the further back it lies; the
    # backmost is the backdrop, laid under the whole picture as a vector illustration's background.
    shapes.sort(key=lambda shape: -shape[2] * rng.uniform(0.85, 1.15))
    if shapes:
        backdrop = ~bare
        shapes[0] = (shapes[0][0], backdrop, float(backdrop.sum()))
    areas = np.array([shape[2] for shape in shapes], np.float64)
    big = np.cumsum(areas) <= BIG_SHARE * areas.sum()
    big[: max(1, int(big.sum()))] = True
    painter = Canvas(pixels, [], reserved=bare)
    side = max(pixels.shape[:2])
    # With no small shapes left for the details, the big ones take the details' time too.
    shaping = Hand(timeline.stage("shapes") if not big.all() else _joined(timeline, "shapes", "details"))
    for hand, chosen in ((shaping, big), (Hand(timeline.stage("details")), ~big)):
        picked = [shape for shape, keep in zip(shapes, chosen, strict=True) if keep]
        painter.add(_place_and_fill(picked, colours, hand, side, rng))
    touches = finishing_touches(picture, painter.frame(timeline.frames), Hand(timeline.stage("finish")), rng)
    return Plan(painter.marks, touches, reserved=bare), painter


def _joined(timeline: Timeline, first: str, last: str) -> Stage:
    """The frames of two stages in a row, as one."""
    return Stage(first, timeline.stage(first).start, timeline.stage(last).end)


def _shapes(regions: np.ndarray, bare: np.ndarray) -> list[tuple[int, np.ndarray, float]]:
    """Each region as a vector shape: (region, its silhouette with its holes filled, that area)."""
    shapes = []
    for region in range(int(regions.max()) + 1):
        own = regions == region
        if bare[own].mean() > 0.5:
            continue
        contours, _ = cv2.findContours(own.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        silhouette = np.zeros(own.shape, np.uint8)
        cv2.drawContours(silhouette, contours, -1, 1, thickness=cv2.FILLED)
        whole = (silhouette > 0) & ~bare
        shapes.append((region, whole, float(whole.sum())))
    return shapes


def _place_and_fill(
    shapes: list[tuple[int, np.ndarray, float]],
    colours: np.ndarray,
    hand: Hand,
    side: int,
    rng: np.random.Generator,
) -> list[Mark]:
    """Per shape, its outline drawn as a path, then the shape filled at once and the path put away."""
    # A shape's path takes the time of its outline's points; big shapes little more than small ones.
    efforts = [area**0.3 + 8.0 for _, _, area in shapes]
    starts, ends = hand.times(efforts)
    width = max(1.0, side / 400)
    marks = []
    for (region, whole, _), start, end in zip(shapes, starts, ends, strict=True):
        first_point = rng.integers(1 << 16)  # where on its outline the path is begun
        filled = max(start, end - FILL_AFTER)  # the path is drawn point by point, then filled
        contours, _ = cv2.findContours(whole.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        for contour in contours:
            points = np.roll(contour[:, 0], -int(first_point % len(contour)), axis=0)
            path = np.concatenate([points, points[:1]]).astype(np.float32)
            if len(path) >= 2 and cv2.arcLength(contour, True) >= SHORTEST_PATH * side:
                marks.append(
                    stroke(
                        path, width, PATH_COLOUR, start, max(start, filled - 0.5), layer="sketch", kind="line"
                    )
                )
                marks.append(
                    stroke(path, width + 2, PATH_COLOUR, filled, filled, layer="sketch", kind="erase")
                )
        marks.append(fill(Area.from_mask(whole), colours[region], filled))
    return marks


WORKFLOW = Workflow(
    name="graphic",
    summary="flat graphics: shapes back to front, each placed as a path and filled at once; a finish",
    stages=WORKFLOW_STAGES["graphic"],
    weights=(0.56, 0.36, 0.08),  # flat art has little left to finish: a short last stage
    roles=Roles(lines=None, colour="shapes", rendering="details"),
    plan=plan,
    habits=frozenset({"flip", "transform"}),
)
