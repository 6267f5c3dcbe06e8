"""Tone laid as hatching: parallel pencil strokes in one direction across each toned area, stroke by
stroke, each in the tone's own grey where it runs."""

from __future__ import annotations

import cv2
import numpy as np

from paintsundo.undo.procedural.marks import Mark, stroke

SPACING = 0.006  # between hatching strokes, as a share of the picture's long side
ANGLE = np.deg2rad(-50.0)  # a right-handed artist's hatching runs down to the left


def hatch_strokes(
    picture: np.ndarray, toned: np.ndarray, rng: np.random.Generator
) -> tuple[list[Mark], list[float]]:
    """Hatching over a toned area (h w bool): one stroke per run of a line across it, area by area
    (its connected parts, the biggest first), top to bottom within each; and their efforts."""
    height, width = toned.shape
    side = max(height, width)
    spacing = max(2.0, SPACING * side)
    count, parts = cv2.connectedComponents(toned.astype(np.uint8), connectivity=8)
    sizes = np.bincount(parts.ravel(), minlength=count)
    along = np.array([np.cos(ANGLE), np.sin(ANGLE)])
    across = np.array([-along[1], along[0]])
    ys, xs = np.mgrid[0:height, 0:width]
    offset = (xs * across[0] + ys * across[1]) / spacing  # which hatching line a pixel is on
    position = xs * along[0] + ys * along[1]  # where along it
    marks, efforts = [], []
    for part in np.argsort(-sizes)[: min(count, 400)]:
        if part == 0 or sizes[part] < 12:
            continue
        inside = parts == part
        lines = np.round(offset[inside]).astype(np.int64)
        places = position[inside]
        pixels = np.argwhere(inside)
        for line in np.unique(lines):
            on = np.flatnonzero(lines == line)
            for run in _runs(on, places, spacing):
                start, end = places[run].min(), places[run].max()
                if end - start < spacing:
                    continue
                jitter = rng.normal(0, 0.15 * spacing, 2)
                base = line * spacing * across
                path = np.array(
                    [base + along * start + jitter, base + along * end + jitter[::-1]], np.float32
                )
                where = pixels[run]
                color = np.median(picture[where[:, 0], where[:, 1]], axis=0)
                marks.append(stroke(path, max(1.0, spacing * 0.45), color, 0, 0, kind="line"))
                efforts.append(float(end - start) + 3.0)
    return marks, efforts


def _runs(on: np.ndarray, places: np.ndarray, spacing: float) -> list[np.ndarray]:
    """The indices `on` of one hatching line split where the area leaves it: a stroke never runs
    across a gap (the inside of a ring, the paper between two toned patches)."""
    order = on[np.argsort(places[on])]
    breaks = np.flatnonzero(np.diff(places[order]) > spacing) + 1
    return np.split(order, breaks)
