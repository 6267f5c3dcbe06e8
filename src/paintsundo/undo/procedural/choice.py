"""Which workflow made a picture, told from measurable features of the finished picture."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from paintsundo.undo.procedural.analysis import REFERENCE_SIDE, ink_lines

# Thresholds, set on the bundled examples and on made pictures of each kind (tests/unit/test_workflows.py).
GREY_CHROMA = 8.0  # mean chroma (CIELAB) under this: a drawing in grey
LIGHT_GROUND = 0.45  # and at least this share of near-white paper
SOLID = 0.02  # and under this share inside solid dark masses: lines and tone, not a silhouette
FLAT_SHARE = 0.7  # at least this share of pixels in perfectly even patches: flat graphic shapes
FEW_COLORS = 48  # and at most this many colours cover 95% of it
INKED_SHARE = 0.03  # at least this share of pixels in dark lines: line art
TEXTURED = 0.4  # unless this much of its fine detail lies between the lines: brushwork all over
MANIFEST_KEYS = {"colors": "colours"}  # a manifest's keys stay as written before identifiers were respelt
MEASURE_SIDE = 320  # features are measured on a copy this size, so they do not depend on resolution


@dataclass(frozen=True)
class PictureFeatures:
    chroma: float  # mean CIELAB chroma
    paper: float  # share of near-white pixels
    flat: float  # share of pixels whose 5x5 neighbourhood is one colour
    colors: int  # how many colours (5 bits a channel) cover 95% of the pixels
    ink: float  # share of pixels in dark lines
    texture: float  # fine detail away from the dark lines, over that of the whole picture
    solid: float  # share of pixels deep inside dark masses (3 pixels or more from anything light)

    def to_json(self) -> dict:
        """The manifest's features, under the names it has always used."""
        return {MANIFEST_KEYS.get(name, name): round(float(value), 4) for name, value in vars(self).items()}


def measure(pixels: np.ndarray) -> PictureFeatures:
    """The features of an RGB uint8 picture (h w 3)."""
    shrink = MEASURE_SIDE / max(pixels.shape[:2])
    if shrink < 1.0:
        size = (max(1, round(pixels.shape[1] * shrink)), max(1, round(pixels.shape[0] * shrink)))
        pixels = cv2.resize(pixels, size, interpolation=cv2.INTER_AREA)
    lab = cv2.cvtColor(pixels.astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab)
    chroma = float(np.hypot(lab[..., 1], lab[..., 2]).mean())
    paper = float((lab[..., 0] > 92).mean())
    spread = cv2.dilate(pixels, np.ones((5, 5), np.uint8)).astype(np.int16) - cv2.erode(
        pixels, np.ones((5, 5), np.uint8)
    )
    flat = float((spread.max(axis=-1) <= 2).mean())
    codes = (pixels >> 3).astype(np.int32)
    counts = np.sort(np.bincount((codes[..., 0] << 10 | codes[..., 1] << 5 | codes[..., 2]).ravel()))[::-1]
    colors = int(np.searchsorted(np.cumsum(counts), 0.95 * pixels.shape[0] * pixels.shape[1]) + 1)
    grey = cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY).astype(np.float32)
    lines = ink_lines(grey, max(pixels.shape[:2]) / REFERENCE_SIDE) > 0.25
    away = cv2.dilate(lines.astype(np.uint8), np.ones((7, 7), np.uint8)) == 0
    fine = np.abs(grey - cv2.GaussianBlur(grey, (0, 0), 1.5))
    texture = float(fine[away].mean() / max(fine.mean(), 1e-6)) if away.any() else 1.0
    solid = float((cv2.erode((grey < 96).astype(np.uint8), np.ones((7, 7), np.uint8)) > 0).mean())
    return PictureFeatures(chroma, paper, flat, colors, float(lines.mean()), texture, solid)


def choose_workflow(pixels: np.ndarray) -> tuple[str, str, PictureFeatures]:
    """The workflow for a picture, the reason in a few words, and the features it rests on."""
    found = measure(pixels)
    if found.chroma < GREY_CHROMA and found.paper >= LIGHT_GROUND and found.solid < SOLID:
        return "pencil", f"a grey drawing on light paper (chroma {found.chroma:.1f})", found
    if found.flat >= FLAT_SHARE and found.colors <= FEW_COLORS:
        reason = f"flat shapes ({found.flat:.0%} of pixels in even patches, {found.colors} colours)"
        return "graphic", reason, found
    if found.ink >= INKED_SHARE and found.texture < TEXTURED:
        return "cel", f"dark line art over {found.ink:.1%} of the picture, smooth colour between", found
    if found.ink >= INKED_SHARE:
        return (
            "painting",
            f"brushwork: dark strokes, and fine detail between them too ({found.texture:.2f})",
            found,
        )
    return "painting", f"no line art ({found.ink:.1%} in lines) and soft, varied colour", found
