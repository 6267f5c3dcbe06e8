"""A line drawing read as a layer: the paper, the lines' own colour and opacity, the barriers that
the colours must not cross, and which of them were drawn with confidence (ink, firm pencil) rather
than left as faint guides."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from skimage.filters import apply_hysteresis_threshold, threshold_otsu

from paintsundo.errors import PaintsUndoError

MIN_DARKNESS = 18.0  # levels below the paper: fainter marks are paper grain, not lines
MIN_LINE_SHARE = 0.001  # of the picture: fewer line pixels, and there is nothing to colour between
MAX_LINE_SHARE = 0.45  # more, and it is a filled picture or a photo, not a line drawing
MIN_PAPER_SHARE = 0.35  # a line drawing is mostly paper
MAX_PAPER_SPREAD = 14.0  # levels: paper is even (a photo's light areas are not)
# Of the darkest lines' level (their 90th percentile): lines this dark are confident whatever Otsu's
# split, so an ink drawing drawn in one flat black (all its pixels at one level) still has its walls.
CONFIDENT_SHARE = 0.75
FADING_SHARE = 0.75  # of the confident level: a confident stroke fading this far is still confident


@dataclass(frozen=True)
class LineArt:
    """The sketch as a layer that, laid over its paper colour, gives back the sketch."""

    paper: np.ndarray  # 3 float32: the paper's colour
    opacity: np.ndarray  # h w float32, 0..1: how much of the paper each pixel's line hides
    color: np.ndarray  # h w 3 float32: the lines' own colour where opacity > 0
    barrier: np.ndarray  # h w bool: line pixels that separate regions
    confident: np.ndarray  # h w bool: the lines drawn firmly; the barrier's others are faint guides

    def over(self, background: np.ndarray) -> np.ndarray:
        """The lines laid over a background (h w 3 float32), in normal blending."""
        alpha = self.opacity[..., None]
        return background * (1.0 - alpha) + self.color * alpha


def read_lines(sketch: np.ndarray) -> LineArt:
    """The lines of an RGB uint8 sketch (h w 3): ink, pencil or coloured lines on light paper."""
    picture = sketch.astype(np.float32)
    grey = cv2.cvtColor(picture, cv2.COLOR_RGB2GRAY)
    darkness = _darkness(picture)
    marked = darkness > MIN_DARKNESS
    if marked.mean() < MIN_LINE_SHARE:
        raise PaintsUndoError("the sketch has no lines: give a line drawing, dark lines on light paper")
    barrier, confident = _walls(darkness, marked)
    paper = ~cv2.dilate(marked.view(np.uint8), np.ones((3, 3), np.uint8)).view(bool)
    _refuse_pictures(grey, barrier, paper)
    paper_color = np.median(picture[paper], axis=0) if paper.any() else np.full(3, 255.0, np.float32)
    paper_color = np.maximum(paper_color, 1.0).astype(np.float32)
    # Each pixel as the line colour c with opacity a over the paper p: a = 1 - min(pixel / p), and
    # c from pixel = p (1 - a) + c a, so the layer over its paper gives the sketch back, grain and all.
    opacity = np.clip(1.0 - (picture / paper_color).min(axis=-1), 0.0, 1.0)
    safe = np.maximum(opacity, 1e-3)[..., None]
    color = np.clip((picture - paper_color * (1.0 - opacity[..., None])) / safe, 0.0, 255.0)
    return LineArt(paper_color, opacity.astype(np.float32), color.astype(np.float32), barrier, confident)


def _darkness(picture: np.ndarray) -> np.ndarray:
    """How far each pixel is below the paper on its most covered channel (h w float32, levels): a
    yellow or orange ink line is as much a line as a black one, though its grey is light."""
    paper_level = np.percentile(picture[::4, ::4].reshape(-1, 3), 90, axis=0).astype(np.float32)
    return np.clip((paper_level - picture).max(axis=-1), 0.0, None)


def _walls(darkness: np.ndarray, marked: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The barrier (h w bool) and its confident lines (h w bool). Marks darker than half the
    sketch's own split between faint and dark (Otsu, 1979) are barrier, as before; those past the
    split are confident, and by hysteresis (Canny, 1986) so is a stretch of the same stroke that
    fades a little below it. The faint rest is told apart so that a region it alone divides can be
    whole again (`walls.merge_unwalled`)."""
    if marked.sum() <= 16:
        return marked, marked
    levels = darkness[marked]
    otsu = float(threshold_otsu(levels))
    faint = max(MIN_DARKNESS, 0.5 * otsu)
    firm = max(faint, min(otsu, CONFIDENT_SHARE * float(np.percentile(levels, 90))))
    fading = max(faint, FADING_SHARE * firm)
    return darkness > faint, apply_hysteresis_threshold(darkness, fading, firm) | (darkness >= firm)


def _refuse_pictures(grey: np.ndarray, barrier: np.ndarray, paper: np.ndarray) -> None:
    """A photo or a finished painting is not a line drawing: too little even paper, too much dark."""
    spread = float(np.std(grey[paper])) if paper.any() else np.inf
    if barrier.mean() > MAX_LINE_SHARE or paper.mean() < MIN_PAPER_SHARE or spread > MAX_PAPER_SPREAD:
        raise PaintsUndoError(
            "this does not look like a line drawing (too little plain paper between the lines): "
            "give the sketch's lines on light paper, not a photo or a finished picture"
        )
