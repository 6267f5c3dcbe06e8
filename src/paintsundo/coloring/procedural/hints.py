"""Colour scribbles over a sketch: which pixels are hints, and the colour of each stroke."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from paintsundo.errors import PaintsUndoError

SAME_AS_SKETCH = 24  # levels on every channel: an opaque hint pixel this close to the sketch is none
# Levels summed over the channels: an opaque hint pixel this close to the paper is a JPEG's halo
# round a scribble (its colour bleeds at half resolution), not a hint; pale skin is further.
PAPER_HALO = 60
LINE_MARGIN = 2  # pixels: in an opaque file, a JPEG's ringing along the lines is no hint
MIXED_STROKE = 40.0  # levels of spread: a scribble this varied is touching scribbles of several colours
COLOR_STEP = 48  # levels: such touching scribbles are told apart by colours this far apart
MIN_STROKE = 6  # pixels: smaller specks are the anti-aliased fringe of a stroke, not a hint
# One colour other than the sketch's over more than this share of the picture is a background that
# was filled in (a transparent layer flattened onto black, say), not scribbles: each region would
# take it and the lines would be lost under it.
FILLED_SHARE = 0.5


@dataclass(frozen=True)
class Hints:
    strokes: np.ndarray  # h w int32: 0 no hint, else the stroke's number
    colors: np.ndarray  # strokes+1 3 float32: each stroke's colour (row 0 unused)

    @property
    def count(self) -> int:
        return len(self.colors) - 1


NO_HINTS = Hints(np.zeros((0, 0), np.int32), np.zeros((1, 3), np.float32))


def read_hints(hints: np.ndarray, sketch: np.ndarray, barrier: np.ndarray, paper: np.ndarray) -> Hints:
    """The strokes of a hints picture (h w 4 RGBA uint8) over an RGB sketch of the same size, whose
    lines (`barrier`) and paper colour (3) are known.

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
    color, alpha = hints[..., :3].astype(np.int16), hints[..., 3]
    _refuse_filled(color, alpha >= 128, sketch)
    if (alpha < 255).any():
        marked = (alpha >= 128) & ~barrier
    else:
        marked = np.abs(color - sketch.astype(np.int16)).max(axis=-1) > SAME_AS_SKETCH
        marked &= np.abs(color - paper.astype(np.int16)).sum(axis=-1) > PAPER_HALO
        near_lines = cv2.dilate(barrier.view(np.uint8), np.ones((2 * LINE_MARGIN + 1,) * 2, np.uint8))
        marked &= ~near_lines.view(bool)
        # Compression noise comes in specks a pixel or two across; a scribble is wider.
        marked = cv2.morphologyEx(marked.view(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8)).view(bool)
    if not marked.any():
        raise PaintsUndoError(
            "the hints file has no scribbles: paint colours into the regions of the sketch, on a"
            " transparent layer or over a copy of the sketch",
            "hints",
        )
    return _strokes(color.astype(np.uint8), marked)


def _refuse_filled(color: np.ndarray, opaque: np.ndarray, sketch: np.ndarray) -> None:
    """Refuse a hints picture that one colour other than the sketch's mostly covers."""
    differs = opaque & (np.abs(color - sketch.astype(np.int16)).max(axis=-1) > SAME_AS_SKETCH)
    coarse = (color[differs] >> 3).astype(np.int32)  # 32 levels a channel: JPEG noise stays one colour
    keys = (coarse[:, 0] * 32 + coarse[:, 1]) * 32 + coarse[:, 2]
    counts = np.bincount(keys)
    if counts.size == 0 or counts.max() <= FILLED_SHARE * differs.size:
        return
    share = counts.max() / differs.size
    levels = np.median(color[differs][keys == counts.argmax()], axis=0)
    filled = ", ".join(str(int(level)) for level in levels)
    raise PaintsUndoError(
        f"{share:.0%} of the hints file is one colour (RGB {filled}), not the sketch's: its background"
        " was filled in, as when a layer loses its transparency on saving. Scribble on a transparent"
        " background and save it as PNG, or paint over a copy of the sketch",
        "hints",
    )


def _strokes(color: np.ndarray, marked: np.ndarray) -> Hints:
    """Connected scribbles, each with the median colour of its pixels; a scribble of very mixed
    colour (two touching scribbles) is split by colour first."""
    count, parts = cv2.connectedComponents(marked.view(np.uint8), connectivity=8)
    strokes = np.zeros(marked.shape, np.int32)
    colors = [np.zeros(3, np.float32)]
    for part in range(1, count):
        pixels = parts == part
        if pixels.sum() < MIN_STROKE:
            continue
        if color[pixels].astype(np.float32).std(axis=0).max() > MIXED_STROKE:
            _split_by_color(color, pixels, strokes, colors)
        else:
            strokes[pixels] = len(colors)
            colors.append(np.median(color[pixels], axis=0).astype(np.float32))
    if len(colors) == 1:
        raise PaintsUndoError(
            "the hints' scribbles are too small to read: paint strokes a few pixels wide", "hints"
        )
    return Hints(strokes, np.stack(colors))


def _split_by_color(color: np.ndarray, pixels: np.ndarray, strokes: np.ndarray, colors: list) -> None:
    """Strokes of one colour each from touching scribbles, told apart by coarse colour."""
    key = (color // COLOR_STEP).astype(np.int32)
    key = (key[..., 0] * 16 + key[..., 1]) * 16 + key[..., 2] + 1
    key[~pixels] = 0
    for value in np.unique(key[pixels]):
        count, parts = cv2.connectedComponents((key == value).view(np.uint8), connectivity=8)
        for part in range(1, count):
            piece = parts == part
            if piece.sum() >= MIN_STROKE:
                strokes[piece] = len(colors)
                colors.append(np.median(color[piece], axis=0).astype(np.float32))
