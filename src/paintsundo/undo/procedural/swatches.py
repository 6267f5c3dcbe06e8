"""Swatches as a flat designer picks them: a provisional one near the colour meant, and the fill's
colour dragged in a colour picker from one swatch to another.

Colours are worked in CIELCh (lightness, chroma, hue angle of CIELAB), where turning the hue or
stepping the lightness keeps the chroma: a provisional swatch is another colour, never a muted one.
"""

from __future__ import annotations

import cv2
import numpy as np

from paintsundo.undo.procedural.canvas import PAPER

SWATCH_DISTANCE = (12.0, 20.0)  # CIELAB units from the colour meant: a neighbouring swatch
HUE_SHARE = (0.5, 0.95)  # of that distance, the share taken by turning the hue (the rest: lightness)
MOST_TURN = 50.0  # degrees round the hue circle: further would be another colour, not a swatch near it
LIGHTNESS_RANGE = (4.0, 96.0)  # a step that would leave this range is taken the other way
CHROMA_KEPT = 0.95  # a swatch keeps this share of the colour's chroma at least (sRGB's gamut allowing)
HUELESS_CHROMA = 6.0  # a colour this grey has no hue of its own worth keeping in a drag
DRAG_STEP = 2.0  # CIELAB units: the least change one frame of a drag shows


def lch_of(colors: np.ndarray) -> np.ndarray:
    """sRGB colours (n 3, 0..255) as CIELCh (n 3: L* 0..100, chroma, hue in degrees)."""
    lab = cv2.cvtColor(np.asarray(colors, np.float32).reshape(1, -1, 3) / 255.0, cv2.COLOR_RGB2Lab)[0]
    hue = np.degrees(np.arctan2(lab[:, 2], lab[:, 1])) % 360.0
    return np.stack([lab[:, 0], np.hypot(lab[:, 1], lab[:, 2]), hue], axis=1)


def rgb_of(lch: np.ndarray) -> np.ndarray:
    """CIELCh colours (n 3) as sRGB (n 3 float32, 0..255), clipped to sRGB's gamut."""
    lch = np.asarray(lch, np.float32).reshape(-1, 3)
    radians = np.radians(lch[:, 2])
    lab = np.stack([lch[:, 0], lch[:, 1] * np.cos(radians), lch[:, 1] * np.sin(radians)], axis=1)
    rgb = cv2.cvtColor(lab.reshape(1, -1, 3).astype(np.float32), cv2.COLOR_Lab2RGB)[0]
    return np.clip(rgb * 255.0, 0.0, 255.0).astype(np.float32)


def nearby_swatch(color: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The swatch a designer might first fill a shape of `color` (3, 0..255) with, to tune later:
    a few CIELAB units away, mostly by turning its hue round the wheel either way, the rest a step
    lighter or darker, its chroma kept (of the candidates sRGB can show, the first that keeps it).
    A grey, with no hue to turn, gets a lightness step only. A placeholder is a step towards the
    colour: never further from it than the blank page is (a near-white ground stays near white)."""
    lightness, chroma, hue = lch_of(color)[0]
    paper = float(np.linalg.norm(_lab(np.float32([PAPER] * 3)) - _lab(color)))
    distance = min(rng.uniform(*SWATCH_DISTANCE), paper)
    # A turn of t degrees at chroma c moves the colour by the chord 2 c sin(t / 2).
    chord = min(distance * rng.uniform(*HUE_SHARE), 2.0 * chroma * np.sin(np.radians(MOST_TURN / 2)))
    turn = np.degrees(2.0 * np.arcsin(chord / (2.0 * chroma))) if chroma > 0 else 0.0
    step = np.sqrt(distance**2 - chord**2) * rng.choice([-1.0, 1.0])
    if not LIGHTNESS_RANGE[0] <= lightness + step <= LIGHTNESS_RANGE[1]:
        step = -step
    turn *= rng.choice([-1.0, 1.0])
    tries = [(turn, step), (-turn, step), (turn, -step), (-turn, -step)]
    candidates = [(lightness + up, chroma, (hue + round_by) % 360.0) for round_by, up in tries]
    swatches = rgb_of(np.array(candidates))
    # sRGB's gamut clips some: the first that keeps the chroma and stays as near as meant, else
    # the first that keeps the chroma, else the most colourful.
    kept = lch_of(swatches)[:, 1] >= CHROMA_KEPT * chroma
    away = np.linalg.norm(_lab(swatches) - _lab(color), axis=-1)
    lowest, furthest = min(SWATCH_DISTANCE[0], 0.75 * paper), min(SWATCH_DISTANCE[1], paper)
    near = (away >= lowest - 0.5) & (away <= furthest + 0.5)
    for good in (kept & near, kept):
        if good.any():
            return swatches[int(np.argmax(good))]
    return swatches[int(np.argmax(lch_of(swatches)[:, 1]))]


def drag(start: np.ndarray, end: np.ndarray, steps: int) -> np.ndarray:
    """The colours (steps 3) a fill shows while its colour is dragged in a colour picker from
    `start` to `end`: along lightness, chroma and the shorter way round the hue, ending on `end`;
    no more steps than show a change of DRAG_STEP each."""
    ends = lch_of(np.stack([start, end]))
    grey = ends[:, 1] < HUELESS_CHROMA
    if grey.any() and not grey.all():  # a grey has no hue of its own: it takes the other's
        ends[grey, 2] = ends[~grey, 2]
    distance = float(np.linalg.norm(_lab(start) - _lab(end)))
    steps = int(np.clip(steps, 1, max(1, np.ceil(distance / DRAG_STEP))))
    turn = (ends[1, 2] - ends[0, 2] + 180.0) % 360.0 - 180.0
    along = np.arange(1, steps + 1, dtype=np.float32)[:, None] / steps  # steps 1
    path = ends[0] + along * np.array([ends[1, 0] - ends[0, 0], ends[1, 1] - ends[0, 1], turn])
    colors = rgb_of(path)
    colors[-1] = end  # the drag ends on the colour meant, exactly
    return colors


def _lab(colors: np.ndarray) -> np.ndarray:
    """sRGB colours (... 3, 0..255) in CIELAB, in the same shape."""
    colors = np.asarray(colors, np.float32)
    return cv2.cvtColor(colors.reshape(1, -1, 3) / 255.0, cv2.COLOR_RGB2Lab).reshape(colors.shape)
