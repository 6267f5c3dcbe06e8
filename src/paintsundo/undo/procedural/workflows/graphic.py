"""Flat graphic and vector illustration: shape by shape, back to front (a shape that encloses others
before them, as vector formats stack them: SVG 1.1, "Rendering Order"), each placed as a path and
then filled at once; the big shapes first, the small ones in the details, then the palette tuned,
then the finishing touches (anti-aliased edges, gradients).

The composition's shapes go down in provisional swatches near their colours (a designer blocks in
with the swatches at hand and tunes the palette once everything is on the page); the details' small
shapes, picked against them, in their own. Late in the details each provisional shape is selected
and its fill dragged in the colour picker to its final colour, one shape after another."""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np
from skimage.measure import regionprops

from paintsundo.undo.procedural import WORKFLOW_STAGES
from paintsundo.undo.procedural.analysis import CANVAS_LEVEL, flat_regions, region_means
from paintsundo.undo.procedural.canvas import Canvas
from paintsundo.undo.procedural.known import ColoringLayers
from paintsundo.undo.procedural.marks import Area, Mark, fill, stroke
from paintsundo.undo.procedural.painterly import finishing_touches
from paintsundo.undo.procedural.plan import Hand, Plan
from paintsundo.undo.procedural.swatches import drag, nearby_swatch
from paintsundo.undo.procedural.timeline import Timeline
from paintsundo.undo.procedural.workflows import Roles, Workflow

BACKDROP_BORDER = (
    0.2  # the backmost shape is a backdrop, under the whole picture, if it runs along this much border
)
BODY_RADIUS = 0.04  # parts of a big shape thinner than this share of the long side are shapes of their own
MIN_BODY = 0.3  # unless its body would be less than this share of it
MIN_PART = 0.004  # and a part smaller than this share of the shape goes down with the body
PATH_COLOR = (40.0, 140.0, 230.0)  # a vector program's path, shown while it is drawn
SHORTEST_PATH = 0.05  # of the long side: a speck's outline is not drawn as a path
FILL_AFTER = 1.0  # a shape is filled this many frames before the next one's path starts
PALETTE_SHARE = 0.5  # of the details stage: the palette tuned, after the small shapes are placed


def plan(
    pixels: np.ndarray,
    timeline: Timeline,
    rng: np.random.Generator,
    habits: frozenset[str],
    known: ColoringLayers | None = None,
) -> tuple[Plan, Canvas]:
    picture = pixels.astype(np.float32)
    bare = picture.min(axis=-1) >= CANVAS_LEVEL
    regions = flat_regions(picture)
    colors = region_means(regions, picture)
    shapes = [shape for shape in _shapes(regions, bare) if shape[1].any()]
    # Back to front: the larger a shape's outline (holes and all), the further back it lies; the
    # backmost is the backdrop, laid under the whole picture as a vector illustration's background.
    shapes.sort(key=lambda shape: -shape[2] * rng.uniform(0.85, 1.15))
    backdrop = bool(shapes) and _along_border(shapes[0][1]) > BACKDROP_BORDER
    if backdrop:
        shapes[0] = (shapes[0][0], ~bare, float((~bare).sum()))
    side = max(pixels.shape[:2])
    # The big shapes' bodies; their thin parts (a leg, a tail, a spike) are shapes of their own,
    # each after its body. Stacked back to front: a piece after every piece whose outline encloses
    # it, and otherwise in any order, big and small mixed as an artist picks them.
    pieces, owners = [], []  # each piece, and the shape it belongs to
    for index, shape in enumerate(shapes):
        body, parts = (shape, []) if index == 0 and backdrop else _body_and_parts(shape, side)
        pieces += [body, *parts]
        owners += [index] * (1 + len(parts))
    boxes = [cv2.boundingRect(whole.view(np.uint8)) for _, whole, _ in shapes]
    after = [_enclosers(piece[1], shapes, boxes) for piece in pieces]
    pieces = [pieces[index] for index in _stacking_order(pieces, owners, after, rng)]
    shapes_stage, details = timeline.stage("shapes"), timeline.stage("details")
    placing = (1.0 - PALETTE_SHARE) * details.frames  # the details' time for their small shapes
    share = shapes_stage.frames / max(shapes_stage.frames + placing, 1)
    first = max(1, round(share * len(pieces))) if pieces else 0  # big and small in each, taken in turn
    # The composition's shapes (a shape's thin parts with it) in swatches, the details in their colours.
    blocked = sorted({region for region, _, _ in pieces[:first]})
    swatches = {region: nearby_swatch(colors[region], rng) for region in blocked}
    laid = [swatches.get(region, colors[region]) for region, _, _ in pieces]
    painter = Canvas(pixels, [], reserved=bare)
    painter.add(_place_and_fill(pieces[:first], laid[:first], Hand(shapes_stage), side, rng))
    tuning = (1.0 - PALETTE_SHARE, 1.0)
    painter.add(_place_and_fill(pieces[first:], laid[first:], Hand(details), side, rng, (0.0, tuning[0])))
    painter.add(_tune_palette(pieces, swatches, colors, Hand(details), rng, tuning))
    finish = Hand(timeline.stage("finish"))  # shape by shape, as the vector artist tidies each one
    touches = finishing_touches(picture, painter.frame(timeline.frames), finish, rng, areas=regions)
    choices = {"provisional_swatches": len(swatches)}
    return Plan(painter.marks, touches, reserved=bare, choices=choices), painter


def _tune_palette(
    pieces: list[tuple[int, np.ndarray, float]],
    swatches: dict[int, np.ndarray],
    colors: np.ndarray,
    hand: Hand,
    rng: np.random.Generator,
    share: tuple[float, float],
) -> list[Mark]:
    """The palette tuned, shape by shape, the largest first (a palette is set by its largest
    fields): each shape laid in a swatch is selected and its fill's colour dragged in the colour
    picker to its final colour, each step of the drag a fill of one colour, over what the shape
    shows (the shapes stacked on it stay on top)."""
    if not swatches:
        return []
    top = np.zeros(pieces[0][1].shape, np.int32)  # h w: 1 + the region each pixel shows, all laid
    for region, whole, _ in pieces:
        top[whole] = region + 1
    # Each tuned shape's area: what it shows, in its box (regionprops finds the boxes in one pass).
    shown = [
        (part.label - 1, Area.from_box(part.slice[0].start, part.slice[1].start, part.image))
        for part in regionprops(top)
        if part.label - 1 in swatches
    ]
    sizes = np.array([area.pixels for _, area in shown], np.float64)
    order = np.argsort(-sizes * rng.uniform(0.8, 1.25, len(sizes)))
    efforts = _one_frame_each(np.sqrt(sizes[order]), hand.stage.frames * (share[1] - share[0]))
    starts, ends = hand.times(efforts, share)
    marks = []
    for index, start, end in zip(order, starts, ends, strict=True):
        region, area = shown[index]  # the drag's fills share it
        first, last = np.ceil(start), np.floor(end)
        steps = drag(swatches[region], colors[region], int(last - first) + 1)
        # The steps spread over the shape's whole frames (a nudge, a look, a nudge), the last on its last.
        times = [end] if len(steps) == 1 else np.round(np.linspace(first, last, len(steps)))
        for color, time in zip(steps, times, strict=True):
            marks.append(replace(fill(area, color, time), note={"shape": region, "tuned": True}))
    return marks


def _one_frame_each(efforts: np.ndarray, frames: float) -> np.ndarray:
    """Efforts raised so that each takes a frame at least: one shape changes at a time."""
    for _ in range(3):
        efforts = np.maximum(efforts, 1.05 * efforts.sum() / max(frames, 1.0))
    return efforts


def _stacking_order(
    pieces: list[tuple[int, np.ndarray, float]],
    owners: list[int],
    after: list[set[int]],
    rng: np.random.Generator,
) -> list[int]:
    """An order back to front: a piece once the shapes enclosing it and its own shape's body are
    down; among those free to go, big and small in turn (a little shuffled), an artist's work spread
    over the time rather than all the big shapes first."""
    placed_shapes: set[int] = set()
    remaining = list(range(len(pieces)))
    order: list[int] = []
    while remaining:
        free = [
            i
            for i in remaining
            if after[i] <= placed_shapes
            and (pieces[i] is _body_of(i, owners, pieces) or owners[i] in placed_shapes)
        ]
        free = free or remaining  # (enclosure loops cannot happen, but never stall)
        sizes = np.array([pieces[i][2] for i in free]) * rng.uniform(0.8, 1.25, len(free))
        pick = free[int(np.argmax(sizes) if len(order) % 2 == 0 else np.argmin(sizes))]
        order.append(pick)
        remaining.remove(pick)
        if pieces[pick] is _body_of(pick, owners, pieces):
            placed_shapes.add(owners[pick])
    return order


def _body_of(index: int, owners: list[int], pieces: list[tuple[int, np.ndarray, float]]) -> tuple:
    """The body piece (the first) of the shape that piece `index` belongs to."""
    return pieces[owners.index(owners[index])]


def _enclosers(
    piece: np.ndarray, shapes: list[tuple[int, np.ndarray, float]], boxes: list[tuple[int, int, int, int]]
) -> set[int]:
    """The shapes whose outlines (holes filled) enclose a piece, but for the piece's own (looked at
    only where the shape's box holds the piece's)."""
    x, y, width, height = cv2.boundingRect(piece.view(np.uint8))
    found = set()
    for index, ((_, whole, _), (bx, by, bw, bh)) in enumerate(zip(shapes, boxes, strict=True)):
        if (
            bx <= x
            and by <= y
            and x + width <= bx + bw
            and y + height <= by + bh
            and (bw, bh) != (width, height)
        ):
            window = (slice(y, y + height), slice(x, x + width))
            if not (piece[window] & ~whole[window]).any():
                found.add(index)
    return found


def _efforts(shapes: list[tuple[int, np.ndarray, float]], side: int) -> np.ndarray:
    """The time each shape takes: half for its path's anchor points (its outline simplified to
    within a pixel or so), placed one by one; half for its size, which is what the eye sees change
    (without it a big shape's long outline would hold the picture unchanged for half the video)."""
    anchors, sizes = [], []
    for _, whole, area in shapes:
        contours, _ = cv2.findContours(whole.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        anchors.append(
            sum(len(cv2.approxPolyDP(contour, max(1.0, side / 300), True)) for contour in contours) + 4
        )
        sizes.append(area)
    anchors_share = np.asarray(anchors, np.float64) / max(sum(anchors), 1)
    sizes_share = np.sqrt(np.asarray(sizes, np.float64)) / max(np.sqrt(np.asarray(sizes)).sum(), 1.0)
    return 0.5 * anchors_share + 0.5 * sizes_share


def _along_border(mask: np.ndarray) -> float:
    """The share of the picture's border that a mask runs along."""
    border = np.concatenate([mask[0], mask[-1], mask[:, 0], mask[:, -1]])
    return float(border.mean())


def _body_and_parts(
    shape: tuple[int, np.ndarray, float], side: int
) -> tuple[tuple[int, np.ndarray, float], list[tuple[int, np.ndarray, float]]]:
    """A shape's main body (opened by a disk: without the parts thinner than it) and those parts,
    each a shape of its own; a shape that is all thin parts is its own body."""
    region, whole, area = shape
    radius = max(2, round(BODY_RADIUS * side))
    if area < (2 * radius) ** 2 * 4:  # too small to have a body and parts worth telling apart
        return shape, []
    disk = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    x, y, width, height = cv2.boundingRect(whole.view(np.uint8))
    window = (slice(max(y - radius, 0), y + height + radius), slice(max(x - radius, 0), x + width + radius))
    body = np.zeros_like(whole)
    body[window] = cv2.morphologyEx(whole[window].astype(np.uint8), cv2.MORPH_OPEN, disk) > 0
    if body.sum() < MIN_BODY * area:
        return shape, []
    count, pieces, stats, _ = cv2.connectedComponentsWithStats(
        (whole & ~body).astype(np.uint8), connectivity=8
    )
    parts = []
    for piece in range(1, count):
        own = pieces == piece
        if stats[piece, cv2.CC_STAT_AREA] >= MIN_PART * area:
            parts.append((region, own, float(stats[piece, cv2.CC_STAT_AREA])))
        else:  # a sliver along the body's edge goes down with the body
            body |= own
    return (region, body, float(body.sum())), parts


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
    colors: list[np.ndarray],
    hand: Hand,
    side: int,
    rng: np.random.Generator,
    share: tuple[float, float] = (0.0, 1.0),
) -> list[Mark]:
    """Per shape, its outline drawn as a path, then the shape filled at once in its colour (one
    per shape) and the path put away."""
    # Each shape gets a frame of its own at least: one shape appears at a time.
    efforts = _one_frame_each(_efforts(shapes, side), hand.stage.frames * (share[1] - share[0]))
    starts, ends = hand.times(efforts, share)
    width = max(1.0, side / 400)
    marks = []
    for (region, whole, _), color, start, end in zip(shapes, colors, starts, ends, strict=True):
        first_point = rng.integers(1 << 16)  # where on its outline the path is begun
        filled = max(start, end - FILL_AFTER)  # the path is drawn point by point, then filled
        contours, _ = cv2.findContours(whole.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        for contour in contours:
            # A pen tool's path: anchor to anchor (the outline simplified), not a freehand crawl.
            anchors = cv2.approxPolyDP(contour, max(1.0, side / 300), True)[:, 0]
            points = np.roll(anchors, -int(first_point % len(anchors)), axis=0)
            path = np.concatenate([points, points[:1]]).astype(np.float32)
            if len(path) >= 2 and cv2.arcLength(contour, True) >= SHORTEST_PATH * side:
                marks.append(
                    stroke(
                        path, width, PATH_COLOR, start, max(start, filled - 0.5), layer="sketch", kind="line"
                    )
                )
                marks.append(
                    stroke(path, width + 4, PATH_COLOR, filled, filled, layer="sketch", kind="erase")
                )
        marks.append(replace(fill(Area.from_mask(whole), color, filled), note={"shape": region}))
    return marks


WORKFLOW = Workflow(
    name="graphic",
    summary="flat graphics: shapes back to front, each placed as a path and filled at once; the palette"
    " tuned; a finish",
    stages=WORKFLOW_STAGES["graphic"],
    weights=(0.5, 0.42, 0.08),  # details: small shapes, then the palette tuned; flat art finishes quickly
    roles=Roles(lines=None, color="shapes", rendering="details"),
    plan=plan,
    habits=frozenset({"flip", "transform"}),
)
