"""Figures for the shading's tests, drawn here in ink: a ball, a face whose eyes are holes in it, and
a house whose windows and door are holes in its wall; each with scribbles (see sketches.scribbles)."""

from __future__ import annotations

import cv2
import numpy as np

from sketches import scribbles

SKY, ORANGE, SKIN, IRIS = (80, 160, 224), (240, 140, 40), (236, 196, 160), (70, 120, 60)
WALL, ROOF, GLASS, DOOR = (214, 196, 150), (178, 64, 52), (150, 200, 230), (120, 80, 50)


def _sheet(height: int, width: int) -> np.ndarray:
    return np.full((height, width), 255, np.uint8)


def _rgb(grey: np.ndarray) -> np.ndarray:
    return np.repeat(grey[..., None], 3, axis=2)


def ball(color: tuple = ORANGE) -> tuple[np.ndarray, np.ndarray]:
    """A ball (centre row 120, column 130, radius 90) on a 240x260 sheet, and its hint."""
    lines = _sheet(240, 260)
    cv2.circle(lines, (130, 120), 90, 0, 3, cv2.LINE_AA)
    sketch = _rgb(lines)
    return sketch, scribbles(sketch.shape, [((110, 110), (150, 130), color)])


def bust() -> tuple[np.ndarray, np.ndarray]:
    """A shape the frame cuts at its foot (a circle of radius 100 centred at row 200, column 130 on a
    240x260 sheet), on a ground that is scribbled too."""
    lines = _sheet(240, 260)
    cv2.circle(lines, (130, 200), 100, 0, 3, cv2.LINE_AA)
    sketch = _rgb(lines)
    return sketch, scribbles(sketch.shape, [((110, 180), (150, 190), SKIN), ((10, 20), (60, 20), SKY)])


def face() -> tuple[np.ndarray, np.ndarray]:
    """A face (centre row 160, column 160, radius 130) with two eyes, each an almond with an iris
    and a pupil, a nose and a mouth that close nothing; skin and irises scribbled, the whites left."""
    lines = _sheet(320, 320)
    cv2.circle(lines, (160, 160), 130, 0, 3, cv2.LINE_AA)
    for column in EYE_COLUMNS:
        cv2.ellipse(lines, (column, EYE_ROW), (30, 16), 0, 0, 360, 0, 3, cv2.LINE_AA)
        cv2.circle(lines, (column, EYE_ROW), 11, 0, 2, cv2.LINE_AA)
        cv2.circle(lines, (column, EYE_ROW), 4, 0, -1, cv2.LINE_AA)
    cv2.line(lines, (160, 150), (150, 190), 0, 2, cv2.LINE_AA)
    cv2.ellipse(lines, (160, 225), (40, 14), 0, 20, 160, 0, 3, cv2.LINE_AA)
    sketch = _rgb(lines)
    strokes = [((120, 80), (200, 90), SKIN), ((100, 250), (220, 250), SKIN)]
    strokes += [((column - 6, EYE_ROW + 7), (column + 6, EYE_ROW + 7), IRIS) for column in EYE_COLUMNS]
    return sketch, scribbles(sketch.shape, strokes)


EYE_ROW, EYE_COLUMNS = 130, (110, 210)


def house() -> tuple[np.ndarray, np.ndarray]:
    """A house on a 360x420 sheet: a wall (rows 150..330, columns 60..360) under a roof, two windows
    of four panes each, and a door standing on the wall's bottom edge; everything scribbled."""
    lines = _sheet(360, 420)
    cv2.rectangle(lines, (60, 150), (360, 330), 0, 3)
    cv2.fillConvexPoly(lines, np.array([[40, 150], [210, 40], [380, 150]]), 255)
    cv2.polylines(lines, [np.array([[40, 150], [210, 40], [380, 150]])], True, 0, 3, cv2.LINE_AA)
    strokes = [((70, 200), (70, 300), WALL), ((300, 300), (340, 300), WALL), ((180, 120), (240, 120), ROOF)]
    for left, top, right, bottom in WINDOWS:
        cv2.rectangle(lines, (left, top), (right, bottom), 0, 3)
        cv2.line(lines, ((left + right) // 2, top), ((left + right) // 2, bottom), 0, 2)
        cv2.line(lines, (left, (top + bottom) // 2), (right, (top + bottom) // 2), 0, 2)
        strokes.append(((left + 8, top + 10), (left + 20, top + 14), GLASS))
    left, top, right, bottom = DOOR_BOX
    cv2.rectangle(lines, (left, top), (right, bottom), 0, 3)
    strokes.append(((left + 15, top + 40), (right - 15, top + 60), DOOR))
    sketch = _rgb(lines)
    return sketch, scribbles(sketch.shape, strokes)


WINDOWS = ((90, 180, 160, 250), (260, 180, 330, 250))  # left, top, right, bottom
DOOR_BOX = (185, 220, 235, 330)
