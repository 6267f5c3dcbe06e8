"""Line drawings and scribbled hints for the colourist's tests, made here: a drawing of shapes whose
regions test filling and gaps, and one scribble for each of its regions."""

from __future__ import annotations

import cv2
import numpy as np

RED, BLUE, YELLOW, GREEN = (220, 50, 50), (50, 90, 220), (240, 210, 60), (60, 170, 90)


def shapes(ink: float = 0.0, paper: float = 255.0, pencil: bool = False) -> np.ndarray:
    """A drawing of four kinds of shape (RGB uint8, 300x480): a closed circle, a square whose left
    side has a 3-pixel gap, a thick rectangle nested in a thin one, and a thin ellipse."""
    lines = np.zeros((300, 480), np.float32)
    cv2.circle(lines, (90, 110), 60, 1.0, 3, cv2.LINE_AA)
    cv2.rectangle(lines, (190, 40), (300, 180), 1.0, 2)
    lines[100:103, 189:192] = 0.0  # the gap
    cv2.rectangle(lines, (330, 30), (460, 190), 1.0, 1)
    cv2.rectangle(lines, (360, 70), (430, 150), 1.0, 6)
    cv2.ellipse(lines, (110, 240), (70, 35), 0, 0, 360, 1.0, 1, cv2.LINE_AA)
    if pencil:  # soft, grainy, broken graphite on off-white paper
        rng = np.random.default_rng(0)
        lines *= 0.55 + 0.45 * rng.random(lines.shape).astype(np.float32)
        for x, y in ((90, 50), (250, 180), (395, 30)):
            lines[y - 1 : y + 2, x - 1 : x + 2] = 0.0
        lines = cv2.GaussianBlur(lines, (0, 0), 0.7)
        grain = rng.normal(0.0, 2.0, lines.shape)
        grey = (paper + grain) * (1.0 - 0.5 * np.clip(1.6 * lines, 0.0, 1.0))
    else:
        grey = paper + (ink - paper) * lines
    return np.repeat(np.clip(np.rint(grey), 0, 255).astype(np.uint8)[..., None], 3, axis=2)


def scribbles(
    shape: tuple[int, ...], strokes: list[tuple[tuple[int, int], tuple[int, int], tuple]]
) -> np.ndarray:
    hints = np.zeros((*shape[:2], 4), np.uint8)
    for start, end, colour in strokes:
        cv2.line(hints, start, end, (*colour, 255), 6)
    return hints


# One scribble in the circle, inside the gapped square, in the ring between the nested rectangles,
# in the inner rectangle, and in the ellipse.
STROKES = [
    ((80, 100), (100, 120), RED),
    ((215, 120), (240, 130), BLUE),
    ((340, 40), (350, 50), GREEN),
    ((385, 100), (405, 110), YELLOW),
    ((90, 240), (130, 240), GREEN),
]
