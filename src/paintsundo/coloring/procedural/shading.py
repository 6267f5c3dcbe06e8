"""Where cel shading falls on flat regions: a shadow band along each shape's outline on the side away
from the light, and a sparing light where the shape faces the light squarely.

A shape is a region with its holes: what it encloses (a window in a wall, an eye in a face) and what
it nearly encloses (a door in a wall's bottom edge) is part of its silhouette, not an edge of it, so
no shadow runs along a hole's inner edge. Distances are measured along the light's direction through
the picture turned so that the light falls along its rows."""

from __future__ import annotations

import cv2
import numpy as np

from paintsundo.coloring.procedural.lighting import Lighting
from paintsundo.coloring.procedural.outlines import holes_of, nesting_depths
from paintsundo.coloring.procedural.regions import region_interiors

MIN_HALF_THICKNESS = 3.0  # pixels: thinner regions (strands, rims) are left flat
HIGHLIGHT_REACH = 0.16  # of a shape's half-thickness: how far a light reaches in from its lit edge
FACING = 1.6  # of the half-thickness: a light only where the shape is this deep along the light
LIGHT_SHARE = 0.06  # of a shape (with its holes): the most its light covers
OUTSIDE = -1.0  # the label of the turned picture's corners, beyond the picture
FAR = 1e6  # the distance to an edge beyond the picture: a shape cut by the frame goes on
CEL_BLUR = 0.0015  # of the picture's longer side (at least a pixel): the blur that evens a cel edge
SOFT_BLUR = 0.01  # of the picture's longer side, times the softness: the more a soft edge takes
MEASURED = 4.0  # of the half-thickness: distances beyond any band's reach, cut there before a blur
MAX_PASSES = 4  # nesting depths measured apart (a face, an eye, a pupil, its glint); deeper share the last


def shading_masks(
    labels: np.ndarray, shaded: np.ndarray, lighting: Lighting
) -> tuple[np.ndarray, np.ndarray]:
    """The shadow's and the light's opacity (two h w float32, 0..1) over the regions marked in
    `shaded` (a bool per label): each shape measured with its holes filled, nested shapes (an eye in
    a face) each on its own."""
    shapes = np.flatnonzero(shaded)
    holes = holes_of(labels, shapes)
    depths = nesting_depths(shapes, holes)
    shadow = np.zeros(labels.shape, np.float32)
    highlight = np.zeros(labels.shape, np.float32)
    for depth in range(min(MAX_PASSES, max(depths.values(), default=-1) + 1)):
        level = [shape for shape in shapes if min(depths[shape], MAX_PASSES - 1) == depth]
        outline = np.arange(int(labels.max()) + 1)
        for shape in level:
            outline[holes[shape]] = shape
        here = np.zeros(len(outline), bool)
        here[level] = True
        silhouettes = outline[labels]
        box = _around(here[silhouettes])  # measured there alone: a pass for an eye is small
        band, light = _bands(silhouettes[box], labels[box] == silhouettes[box], lighting, max(labels.shape))
        within = here[labels[box]]
        shadow[box][within], highlight[box][within] = band[within], light[within]
    return shadow, highlight


def _around(mask: np.ndarray) -> tuple[slice, slice]:
    """The box around a mask's pixels with a pixel to spare, so that the shapes in it keep an edge
    on every side that is not the picture's."""
    rows, columns = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if len(rows) == 0:
        return slice(0, 0), slice(0, 0)
    return slice(max(rows[0] - 1, 0), rows[-1] + 2), slice(max(columns[0] - 1, 0), columns[-1] + 2)


def _bands(
    silhouettes: np.ndarray, own: np.ndarray, lighting: Lighting, side: int
) -> tuple[np.ndarray, np.ndarray]:
    """The shadow's and light's opacity over every region of `silhouettes` (h w int) thick enough,
    in a picture whose longer side is `side` pixels; `own` marks the pixels of the shapes
    themselves, not of their holes."""
    inside = cv2.distanceTransform(region_interiors(silhouettes), cv2.DIST_L2, 5)
    half_thickness = np.zeros(int(silhouettes.max()) + 1, np.float32)
    np.maximum.at(half_thickness, silhouettes.ravel(), inside.ravel())
    thickness = half_thickness[silhouettes]  # h w
    away, towards = _edge_distances(silhouettes, lighting.angle or 0.0)
    # The distances evened, not the opacities (no faint tint spreads): a cel edge without the
    # stairs of the turned grid, a soft edge without the streaks of a wavering outline.
    sigma = max(1.0, side * CEL_BLUR) + side * SOFT_BLUR * lighting.softness
    limit = MEASURED * thickness
    away, towards = (_smoothed(np.minimum(d, limit), inside, sigma) for d in (away, towards))
    shadow = _ramp(away, lighting.reach * thickness, lighting.softness)
    lit = np.zeros_like(shadow)
    if lighting.highlight > 0:
        lit = _lights(silhouettes, own, thickness, (away, towards), lighting.softness)
    thick = thickness >= MIN_HALF_THICKNESS
    shadow = _clean(shadow, side) * thick
    return shadow, np.minimum(_clean(lit, side), 1.0 - shadow) * thick


def _ramp(distance: np.ndarray, reach: np.ndarray, softness: float) -> np.ndarray:
    """Opacity 1 nearer an edge than `reach`, 0 beyond: a step a pixel wide (a cel edge, drawn
    smooth), or with `softness` a fade over that share of the reach, centred on it."""
    return np.clip((reach - distance) / np.maximum(softness * reach, 1.0) + 0.5, 0.0, 1.0)


def _lights(
    silhouettes: np.ndarray,
    own: np.ndarray,
    thickness: np.ndarray,
    distances: tuple[np.ndarray, np.ndarray],
    softness: float,
) -> np.ndarray:
    """The light's opacity: a band along each shape's lit edge where the shape is deep seen from the
    light (the middle of a ball's lit side, not its flanks), narrowed in a shape it would cover more
    than LIGHT_SHARE of (the whole top of a wide wall). `distances`: to the edge away from the light
    and towards it."""
    away, towards = distances
    facing = away + towards >= FACING * thickness
    reach = HIGHLIGHT_REACH * thickness
    lit = _ramp(towards, reach, softness) * facing
    count = int(silhouettes.max()) + 1
    share = np.bincount(silhouettes[own], lit[own], count) / np.maximum(
        np.bincount(silhouettes[own], minlength=count), 1
    )
    narrowing = np.minimum(1.0, LIGHT_SHARE / np.maximum(share, 1e-6)).astype(np.float32)
    return _ramp(towards, reach * narrowing[silhouettes], softness) * facing


def _edge_distances(labels: np.ndarray, angle: float) -> tuple[np.ndarray, np.ndarray]:
    """For each pixel, how far away from the light, and how far towards it, its region goes on
    before another begins (two h w float32; FAR where it reaches the picture's edge first)."""
    height, width = labels.shape
    radians = np.deg2rad(angle)
    away = np.array([-np.cos(radians), -np.sin(radians)])  # (dx, dy), y down
    across = np.array([-away[1], away[0]])
    extent = np.abs(np.array([away, across])) @ np.array([width, height])  # of the turned picture
    size = tuple(int(value) for value in np.ceil(extent) + 2)
    centre = np.array([(width - 1) / 2.0, (height - 1) / 2.0])
    middle = (np.array(size) - 1) / 2.0
    # Picture to turned picture: away from the light becomes +x.
    turn = np.array([[*away, middle[0] - away @ centre], [*across, middle[1] - across @ centre]], np.float32)
    turned = cv2.warpAffine(
        labels.astype(np.float32), turn, size, flags=cv2.INTER_NEAREST,
        borderMode=cv2.BORDER_CONSTANT, borderValue=OUTSIDE,
    )  # fmt: skip
    onward, back = _run_ends(turned)
    unturn = cv2.WARP_INVERSE_MAP | cv2.INTER_NEAREST
    return tuple(cv2.warpAffine(d, turn, (width, height), flags=unturn) for d in (onward, back))


def _run_ends(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Along each row of labels (h w float32), how many steps forward and back each pixel's run of
    one label goes on before another label (FAR where the next is OUTSIDE)."""
    count = rows.shape[1]
    change = rows[:, 1:] != rows[:, :-1]  # between pixel x and x + 1
    steps = np.arange(count - 1, dtype=np.int32) * 2
    # A change between x and x + 1 as 2x, plus 1 where the pixel past it is beyond the picture:
    # the nearest change and whether it leads out of the picture come out of one running minimum.
    ahead = np.full(rows.shape, 2 * count + 1, np.int32)  # the change at or after x
    ahead[:, :-1] = np.minimum.accumulate(
        np.where(change, steps + (rows[:, 1:] == OUTSIDE), 2 * count + 1)[:, ::-1], axis=1
    )[:, ::-1]
    behind = np.full(rows.shape, -1, np.int32)  # the change before x
    behind[:, 1:] = np.maximum.accumulate(np.where(change, steps + (rows[:, :-1] == OUTSIDE), -1), axis=1)
    index = np.arange(count, dtype=np.float32)
    onward = np.where(ahead & 1, FAR, (ahead >> 1) + 1 - index).astype(np.float32)
    back = np.where((behind < 0) | (behind & 1), FAR, index - (behind >> 1)).astype(np.float32)
    return onward, back


def _smoothed(distances: np.ndarray, inside: np.ndarray, sigma: float) -> np.ndarray:
    """Distances to an edge blurred by about `sigma` pixels, except near a region's edge (`inside`:
    each pixel's distance to it), where the blur would mix in the next region's."""
    blurred = cv2.stackBlur(distances, (2 * round(3 * sigma) + 1,) * 2)  # near a Gaussian's, in a box's time
    weight = np.clip(inside / (2.0 * sigma), 0.0, 1.0)
    return distances + (blurred - distances) * weight


def _clean(opacity: np.ndarray, side: int) -> np.ndarray:
    """A cel band's edge smoothed into a clean curve: a median over a few pixels."""
    size = 5 if side >= 64 else 3
    return cv2.medianBlur(opacity.astype(np.float32), size)
