"""Which workflow made a picture, told from measurable features of the finished picture."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from paintsundo.procedural.analysis import REFERENCE_SIDE, ink_lines

# Thresholds, set on the bundled examples and on made pictures of each kind (tests/test_workflows.py).
GREY_CHROMA = 8.0  # mean chroma (CIELAB) under this: a drawing in grey
LIGHT_GROUND = 0.45  # and at least this share of near-white paper
FLAT_SHARE = 0.7  # at least this share of pixels in perfectly even patches: flat graphic shapes
FEW_COLOURS = 48  # and at most this many colours cover 95% of it
INKED = 0.03  # at least this share of pixels in dark lines: line art


@dataclass(frozen=True)
class PictureFeatures:
    chroma: float  # mean CIELAB chroma
    paper: float  # share of near-white pixels
    flat: float  # share of pixels whose 5x5 neighbourhood is one colour
    colours: int  # how many colours (5 bits a channel) cover 95% of the pixels
    ink: float  # share of pixels in dark lines

    def to_json(self) -> dict:
        return {name: round(float(value), 4) for name, value in vars(self).items()}


def measure(pixels: np.ndarray) -> PictureFeatures:
    """The features of an RGB uint8 picture (h w 3)."""
    lab = cv2.cvtColor(pixels.astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab)
    chroma = float(np.hypot(lab[..., 1], lab[..., 2]).mean())
    paper = float((lab[..., 0] > 92).mean())
    spread = cv2.dilate(pixels, np.ones((5, 5), np.uint8)).astype(np.int16) - cv2.erode(
        pixels, np.ones((5, 5), np.uint8)
    )
    flat = float((spread.max(axis=-1) <= 2).mean())
    codes = (pixels >> 3).astype(np.int32)
    counts = np.sort(np.bincount((codes[..., 0] << 10 | codes[..., 1] << 5 | codes[..., 2]).ravel()))[::-1]
    colours = int(np.searchsorted(np.cumsum(counts), 0.95 * pixels.shape[0] * pixels.shape[1]) + 1)
    grey = cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY).astype(np.float32)
    ink = float((ink_lines(grey, max(pixels.shape[:2]) / REFERENCE_SIDE) > 0.25).mean())
    return PictureFeatures(chroma, paper, flat, colours, ink)


def choose_workflow(pixels: np.ndarray) -> tuple[str, str, PictureFeatures]:
    """The workflow for a picture, the reason in a few words, and the features it rests on."""
    found = measure(pixels)
    if found.chroma < GREY_CHROMA and found.paper >= LIGHT_GROUND:
        return "pencil", f"a grey drawing on light paper (chroma {found.chroma:.1f})", found
    if found.flat >= FLAT_SHARE and found.colours <= FEW_COLOURS:
        reason = f"flat shapes ({found.flat:.0%} of pixels in even patches, {found.colours} colours)"
        return "graphic", reason, found
    if found.ink >= INKED:
        return "cel", f"dark line art over {found.ink:.1%} of the picture", found
    return "painting", f"no line art ({found.ink:.1%} in lines) and soft, varied colour", found
