"""A line drawing read as a layer: the paper, the lines' own colour and opacity, and the barriers
that the colours must not cross."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from skimage.filters import threshold_otsu

from paintsundo.errors import PaintsUndoError

MIN_DARKNESS = 18.0  # levels below the paper: fainter marks are paper grain, not lines
MIN_LINE_SHARE = 0.001  # of the picture: fewer line pixels, and there is nothing to colour between
MAX_LINE_SHARE = 0.45  # more, and it is a filled picture or a photo, not a line drawing
MIN_PAPER_SHARE = 0.35  # a line drawing is mostly paper
MAX_PAPER_SPREAD = 14.0  # levels: paper is even (a photo's light areas are not)


@dataclass(frozen=True)
class LineArt:
    """The sketch as a layer that, laid over its paper colour, gives back the sketch."""

    paper: np.ndarray  # 3 float32: the paper's colour
    opacity: np.ndarray  # h w float32, 0..1: how much of the paper each pixel's line hides
    colour: np.ndarray  # h w 3 float32: the lines' own colour where opacity > 0
    barrier: np.ndarray  # h w bool: line pixels that separate regions

    def over(self, background: np.ndarray) -> np.ndarray:
        """The lines laid over a background (h w 3 float32), in normal blending."""
        alpha = self.opacity[..., None]
        return background * (1.0 - alpha) + self.colour * alpha


def read_lines(sketch: np.ndarray) -> LineArt:
    """The lines of an RGB uint8 sketch (h w 3): ink, pencil or coloured lines on light paper."""
    picture = sketch.astype(np.float32)
    grey = cv2.cvtColor(picture, cv2.COLOR_RGB2GRAY)
    paper_level = float(np.percentile(grey, 90))
    darkness = np.clip(paper_level - grey, 0.0, None)
    marked = darkness > MIN_DARKNESS
    if marked.mean() < MIN_LINE_SHARE:
        raise PaintsUndoError("the sketch has no lines: give a line drawing, dark lines on light paper")
    # Pencil is faint and ink is dark: the split between them is the sketch's own (Otsu, 1979).
    split = max(MIN_DARKNESS, 0.5 * threshold_otsu(darkness[marked])) if marked.sum() > 16 else MIN_DARKNESS
    barrier = darkness > split
    paper = ~cv2.dilate(marked.view(np.uint8), np.ones((3, 3), np.uint8)).view(bool)
    _refuse_pictures(grey, barrier, paper)
    paper_colour = np.median(picture[paper], axis=0) if paper.any() else np.full(3, 255.0, np.float32)
    paper_colour = np.maximum(paper_colour, 1.0).astype(np.float32)
    # Each pixel as the line colour c with opacity a over the paper p: a = 1 - min(pixel / p), and
    # c from pixel = p (1 - a) + c a, so the layer over its paper gives the sketch back, grain and all.
    opacity = np.clip(1.0 - (picture / paper_colour).min(axis=-1), 0.0, 1.0)
    safe = np.maximum(opacity, 1e-3)[..., None]
    colour = np.clip((picture - paper_colour * (1.0 - opacity[..., None])) / safe, 0.0, 255.0)
    return LineArt(paper_colour, opacity.astype(np.float32), colour.astype(np.float32), barrier)


def _refuse_pictures(grey: np.ndarray, barrier: np.ndarray, paper: np.ndarray) -> None:
    """A photo or a finished painting is not a line drawing: too little even paper, too much dark."""
    spread = float(np.std(grey[paper])) if paper.any() else np.inf
    if barrier.mean() > MAX_LINE_SHARE or paper.mean() < MIN_PAPER_SHARE or spread > MAX_PAPER_SPREAD:
        raise PaintsUndoError(
            "this does not look like a line drawing (too little plain paper between the lines): "
            "give the sketch's lines on light paper, not a photo or a finished picture"
        )
