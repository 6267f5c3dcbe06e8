"""The shadow and light tones of flat colours, as a colourist mixes them: the flat a few steps darker
(or lighter) in CIELAB lightness, its hue turned a little towards cool blue (or warm yellow), its
chroma kept, so that a shadow is neither greyed nor pushed to navy or brick."""

from __future__ import annotations

import cv2
import numpy as np

from paintsundo.coloring.procedural.lighting import Lighting

COOL_HUE = -75.0  # degrees in CIELAB's a*b* plane: an ultramarine blue, where shadows turn
WARM_HUE = 85.0  # a warm yellow, where lights turn
GREY_TINT = 3.0  # chroma a grey's shadow takes on from the cool hue, so it is not dead grey
DARKEST = 0.35  # of the flat's L*: a dark flat's shadow keeps this much of its lightness
GAMUT_STEPS = 14  # halvings of the chroma search: well under a level of RGB
# Where sRGB cannot hold a flat's chroma that much darker (a saturated orange), the step gives way
# first, down to these shares of it but never below MIN_STEP L*; only then the chroma.
STEP_SHARES = (1.0, 0.9, 0.8, 0.7)
MIN_STEP = 12.0


def shadow_tones(colors: np.ndarray, lighting: Lighting) -> np.ndarray:
    """Each flat colour (n 3, RGB 0..255) `lighting.depth` L* darker, turned towards blue."""
    return _shifted(colors, -lighting.depth, COOL_HUE, lighting.coolness)


def light_tones(colors: np.ndarray, lighting: Lighting) -> np.ndarray:
    """Each flat colour (n 3, RGB 0..255) `lighting.highlight` L* lighter, turned a little towards
    warm: half the shadow's turn."""
    return _shifted(colors, lighting.highlight, WARM_HUE, lighting.coolness / 2.0)


def to_lab(colors: np.ndarray) -> np.ndarray:
    """RGB 0..255 (n 3) to CIELAB (n 3: L* 0..100, a*, b*), D65."""
    rgb = np.asarray(colors, np.float32).reshape(1, -1, 3) / 255.0
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2Lab)[0].astype(np.float64)


def to_rgb(lab: np.ndarray) -> np.ndarray:
    """CIELAB (n 3) to RGB 0..255 (n 3), clipped to the gamut."""
    rgb = cv2.cvtColor(np.asarray(lab, np.float32).reshape(1, -1, 3), cv2.COLOR_Lab2RGB)[0]
    return np.clip(rgb, 0.0, 1.0) * 255.0


def _shifted(colors: np.ndarray, step: float, pole: float, turn: float) -> np.ndarray:
    """Colours `step` L* lighter (darker when negative), their hue turned by up to `turn` degrees
    towards the hue `pole` (never past half the way), chroma kept where the RGB gamut allows."""
    lab = to_lab(colors)
    chroma = np.hypot(lab[:, 1], lab[:, 2])
    hue = np.degrees(np.arctan2(lab[:, 2], lab[:, 1]))
    towards = (pole - hue + 180.0) % 360.0 - 180.0
    hue = hue + np.sign(towards) * np.minimum(turn, np.abs(towards) / 2.0)
    grey = chroma < GREY_TINT
    hue[grey] = pole
    chroma[grey] = GREY_TINT * min(1.0, turn / 4.0)
    hue = np.radians(hue)
    lightness = _lightness(lab[:, 0], step, STEP_SHARES[-1])
    for share in STEP_SHARES[-2::-1]:  # the fullest step at which the chroma fits
        fuller = _lightness(lab[:, 0], step, share)
        lightness = np.where(_fits(fuller, chroma, hue), fuller, lightness)
    return to_rgb(_in_gamut(lightness, chroma, hue))


def _lightness(lightness: np.ndarray, step: float, share: float) -> np.ndarray:
    """L* `share` of `step` away (but at least MIN_STEP, or the step if smaller), within 0..100 and
    keeping DARKEST of a dark flat's lightness."""
    moved = np.sign(step) * max(abs(step) * share, min(abs(step), MIN_STEP))
    return np.clip(np.maximum(lightness + moved, DARKEST * lightness), 0.0, 100.0)


def _in_gamut(lightness: np.ndarray, chroma: np.ndarray, hue: np.ndarray) -> np.ndarray:
    """CIELAB colours (n 3) at these lightnesses and hues, with as much of the chroma as sRGB holds:
    a colour beyond it loses chroma, not lightness or hue, as clipping would take."""
    low, high = np.zeros_like(chroma), np.ones_like(chroma)
    fits = _fits(lightness, chroma, hue)
    for _ in range(GAMUT_STEPS):
        middle = (low + high) / 2.0
        inside = _fits(lightness, chroma * middle, hue)
        low, high = np.where(inside, middle, low), np.where(inside, high, middle)
    scale = np.where(fits, 1.0, low)
    return _lab(lightness, chroma * scale, hue)


def _fits(lightness: np.ndarray, chroma: np.ndarray, hue: np.ndarray) -> np.ndarray:
    """Whether each colour survives the round trip through clipped RGB: whether sRGB holds it."""
    lab = _lab(lightness, chroma, hue)
    back = to_lab(to_rgb(lab))
    return np.abs(back - lab).max(axis=1) < 0.5


def _lab(lightness: np.ndarray, chroma: np.ndarray, hue: np.ndarray) -> np.ndarray:
    return np.stack([lightness, chroma * np.cos(hue), chroma * np.sin(hue)], axis=1)
