"""Cel shading from flat regions: a shadow band on each region's side away from the light, in a
darker, cooler version of its colour, then a narrower highlight on the lit side."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from paintsundo.coloring.procedural.regions import touching_border

# Light from the upper left or upper right, as most illustrations are lit; angles from +x, y down.
LIGHT_ANGLES = (-135.0, -120.0, -60.0, -45.0)
SHADOW_DEPTH = 0.55  # of a region's half-thickness: how far a shadow reaches in from its edge
HIGHLIGHT_DEPTH = 0.18
MIN_HALF_THICKNESS = 3.0  # pixels: thinner regions (strands, rims) are left flat


@dataclass(frozen=True)
class Lighting:
    """One candidate's shading choices."""

    angle: float  # degrees, the direction the light comes from
    darkness: float  # the shadow's value against the flat colour's
    hue_shift: float  # degrees towards blue
    highlights: bool

    @classmethod
    def draw(cls, rng: np.random.Generator) -> Lighting:
        return cls(
            angle=float(rng.choice(LIGHT_ANGLES)),
            darkness=float(rng.uniform(0.68, 0.8)),
            hue_shift=float(rng.uniform(8.0, 20.0)),
            highlights=bool(rng.random() < 0.8),
        )


def shadow_colours(colours: np.ndarray, lighting: Lighting) -> np.ndarray:
    """Each flat colour (n 3, 0..255) darkened and turned towards blue, a little more saturated: the
    cool shadows of cel painting, where black-mixed ones look dirty."""
    hsv = cv2.cvtColor(colours.reshape(1, -1, 3).astype(np.float32) / 255.0, cv2.COLOR_RGB2HSV)[0]
    hue, saturation, value = hsv[:, 0], hsv[:, 1], hsv[:, 2]
    towards_blue = ((240.0 - hue + 180.0) % 360.0) - 180.0
    hue = (hue + np.clip(towards_blue, -lighting.hue_shift, lighting.hue_shift)) % 360.0
    saturation = np.clip(saturation * 1.15 + 0.04 * (saturation > 0.02), 0.0, 1.0)
    value = value * lighting.darkness
    shaded = np.stack([hue, saturation, value], axis=-1).reshape(1, -1, 3).astype(np.float32)
    return cv2.cvtColor(shaded, cv2.COLOR_HSV2RGB)[0] * 255.0


def highlight_colours(colours: np.ndarray) -> np.ndarray:
    """Each flat colour lifted towards white."""
    return colours + 0.45 * (255.0 - colours)


def edge_bands(labels: np.ndarray, shaded: np.ndarray, lighting: Lighting) -> tuple[np.ndarray, np.ndarray]:
    """Where the shadows and highlights fall (two h w bool masks), in regions marked in `shaded`.

    A pixel is in shadow when a step away from the light, of a depth that scales with its region's
    thickness, leaves the region: the band along the region's edge that faces away from the light.
    The highlight is the same on the lit side, narrower. A step into a region the form encloses (a
    detail inside it, the hole of a ring) is not the form's edge."""
    inside = cv2.distanceTransform(_region_edges(labels), cv2.DIST_L2, 5)
    half_thickness = np.zeros(int(labels.max()) + 1, np.float32)
    np.maximum.at(half_thickness, labels.ravel(), inside.ravel())
    thick = shaded & (half_thickness >= MIN_HALF_THICKNESS)
    radians = np.deg2rad(lighting.angle)
    away = np.array([-np.sin(radians), -np.cos(radians)])  # (dy, dx) away from the light
    reach = half_thickness[labels]
    enclosing = enclosing_regions(labels)
    shadow = _leaves_region(labels, enclosing, away, SHADOW_DEPTH * reach) & thick[labels]
    highlight = np.zeros_like(shadow)
    if lighting.highlights:
        highlight = (
            _leaves_region(labels, enclosing, -away, HIGHLIGHT_DEPTH * reach) & thick[labels] & ~shadow
        )
    # Smoothing may round a band's corner into the next region: each stays within its own.
    return _clean(shadow) & thick[labels], _clean(highlight) & thick[labels] & ~shadow


def _region_edges(labels: np.ndarray) -> np.ndarray:
    """1 inside regions, 0 on the pixels where the label changes: distances are to a region's edge."""
    same = np.ones(labels.shape, bool)
    same[1:] &= labels[1:] == labels[:-1]
    same[:-1] &= labels[:-1] == labels[1:]
    same[:, 1:] &= labels[:, 1:] == labels[:, :-1]
    same[:, :-1] &= labels[:, :-1] == labels[:, 1:]
    return same.view(np.uint8)


def enclosing_regions(labels: np.ndarray) -> np.ndarray:
    """For each region, the one region around it when it touches no other (a hole, an eye in a
    face), else -1 (index 0 unused)."""
    pairs = np.concatenate(
        [
            np.stack([labels[:, :-1].ravel(), labels[:, 1:].ravel()], axis=1),
            np.stack([labels[:-1].ravel(), labels[1:].ravel()], axis=1),
        ]
    )
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    pairs = np.unique(np.concatenate([pairs, pairs[:, ::-1]]), axis=0)  # (region, neighbour), both ways
    count = int(labels.max()) + 1
    neighbours = np.bincount(pairs[:, 0], minlength=count)
    enclosing = np.full(count, -1, np.int64)
    alone = neighbours[pairs[:, 0]] == 1
    enclosing[pairs[alone, 0]] = pairs[alone, 1]
    enclosing[touching_border(labels)] = -1  # a region at the picture's edge may go on beyond it
    return enclosing


def _leaves_region(
    labels: np.ndarray, enclosing: np.ndarray, direction: np.ndarray, depth: np.ndarray
) -> np.ndarray:
    """Whether the pixel `depth` pixels along `direction` lies in another region that it does not
    enclose (the picture's own border is no edge of a form: a figure cut by the frame goes on)."""
    height, width = labels.shape
    rows, columns = np.indices(labels.shape)
    target_rows = np.rint(rows + direction[0] * depth).astype(np.int64)
    target_columns = np.rint(columns + direction[1] * depth).astype(np.int64)
    outside = (target_rows < 0) | (target_rows >= height) | (target_columns < 0) | (target_columns >= width)
    landed = labels[np.clip(target_rows, 0, height - 1), np.clip(target_columns, 0, width - 1)]
    return ~outside & (landed != labels) & (enclosing[landed] != labels)


def _clean(mask: np.ndarray) -> np.ndarray:
    """A cel band's edge smoothed into a clean curve: a median over a few pixels."""
    size = 5 if min(mask.shape) >= 64 else 3
    return cv2.medianBlur(mask.view(np.uint8) * 255, size) > 127
