"""Colour scribbles over a sketch: which pixels are hints, and the colour of each stroke."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from paintsundo.errors import PaintsUndoError

SAME_AS_SKETCH = 12  # levels on every channel: an opaque hint pixel this close to the sketch is none
COLOUR_STEP = 40  # levels: touching scribbles of colours further apart are separate strokes
MIN_STROKE = 4  # pixels: smaller specks are the anti-aliased fringe of a stroke, not a hint


@dataclass(frozen=True)
class Hints:
    strokes: np.ndarray  # h w int32: 0 no hint, else the stroke's number
    colours: np.ndarray  # strokes+1 3 float32: each stroke's colour (row 0 unused)

    @property
    def count(self) -> int:
        return len(self.colours) - 1


NO_HINTS = Hints(np.zeros((0, 0), np.int32), np.zeros((1, 3), np.float32))


def read_hints(hints: np.ndarray, sketch: np.ndarray, barrier: np.ndarray) -> Hints:
    """The strokes of a hints picture (h w 4 RGBA uint8) over an RGB sketch of the same size.

    Transparent pixels are no hint; in an opaque picture, neither are pixels equal to the sketch, so
    a hints file may be the sketch painted over or scribbles on white. Hints on the lines themselves
    are dropped: the lines separate the regions the hints are for."""
    if hints.shape[:2] != sketch.shape[:2]:
        height, width = sketch.shape[:2]
        raise PaintsUndoError(
            f"the hints are {hints.shape[1]}x{hints.shape[0]} but the sketch is {width}x{height}: "
            "paint the hints on a picture of the sketch's size",
            "hints",
        )
    colour, alpha = hints[..., :3].astype(np.int16), hints[..., 3]
    if (alpha < 255).any():
        marked = alpha >= 128
    else:
        marked = np.abs(colour - sketch.astype(np.int16)).max(axis=-1) > SAME_AS_SKETCH
    marked &= ~barrier
    if not marked.any():
        raise PaintsUndoError(
            "the hints file has no scribbles: paint colours over the sketch (or leave out the hints)",
            "hints",
        )
    return _strokes(colour.astype(np.uint8), marked)


def _strokes(colour: np.ndarray, marked: np.ndarray) -> Hints:
    """Connected scribbles of one colour each, with the median colour of their pixels."""
    key = (colour // COLOUR_STEP).astype(np.int32)
    key = (key[..., 0] * 16 + key[..., 1]) * 16 + key[..., 2] + 1
    key[~marked] = 0
    strokes = np.zeros(marked.shape, np.int32)
    colours = [np.zeros(3, np.float32)]
    for value in np.unique(key[key > 0]):
        count, parts, stats, _ = cv2.connectedComponentsWithStats(
            (key == value).view(np.uint8), connectivity=8
        )
        for part in range(1, count):
            if stats[part, cv2.CC_STAT_AREA] < MIN_STROKE:
                continue
            pixels = parts == part
            strokes[pixels] = len(colours)
            colours.append(np.median(colour[pixels], axis=0).astype(np.float32))
    if len(colours) == 1:
        raise PaintsUndoError(
            "the hints' scribbles are too small to read: paint strokes a few pixels wide", "hints"
        )
    return Hints(strokes, np.stack(colours))
