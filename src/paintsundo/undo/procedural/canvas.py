"""The canvas: lays a plan of marks frame by frame, on the layers a digital artist keeps.

Every pixel a frame shows comes from the paper and the marks laid by that frame; a mark still in
progress shows the part of it laid so far. Frames are made in order, each from the last.

The paint layer is opaque over the paper (8-bit RGB): solid strokes are drawn straight onto it with
OpenCV's anti-aliased polygons, the fastest way to lay thousands of them. The sketch, line and
finishing layers keep an opacity of their own, so they can fade or be hidden.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from paintsundo.undo.procedural.marks import LAYERS, Mark
from paintsundo.undo.procedural.plan import Touches
from paintsundo.undo.procedural.raster import Box, Coverage, box_of, coverage, draw_path

PAPER = 255


@dataclass
class Layer:
    """A layer over the paint: premultiplied colour (h w 3 float32) and opacity (h w float32)."""

    color: np.ndarray
    alpha: np.ndarray

    @classmethod
    def empty(cls, shape: tuple[int, int]) -> Layer:
        return cls(np.zeros((*shape, 3), np.float32), np.zeros(shape, np.float32))

    def copy(self) -> Layer:
        return Layer(self.color.copy(), self.alpha.copy())


@dataclass(frozen=True)
class View:
    """How the layers are shown on one frame: the artist's habits that change no paint."""

    sketch_opacity: float = 1.0
    lines_visible: bool = True


@dataclass
class Layers:
    paint: np.ndarray  # h w 3 uint8
    over: dict[str, Layer]  # sketch, lines, finish

    def copy(self, names: set[str]) -> Layers:
        """The layers, with those named copied (the others shared)."""
        paint = self.paint.copy() if "paint" in names else self.paint
        return Layers(
            paint, {name: layer.copy() if name in names else layer for name, layer in self.over.items()}
        )


class Canvas:
    """Lays `marks` on a canvas of `picture`'s size; finishing touches take `picture`'s own colours."""

    def __init__(
        self,
        picture: np.ndarray,
        marks: Sequence[Mark],
        touches: Touches | None = None,
        reserved: np.ndarray | None = None,
    ) -> None:
        """`reserved` (h w bool) is paper the artist keeps bare: paint and lines go around it (the
        sketch, put away before the colour, runs over it)."""
        self.picture = np.ascontiguousarray(picture, np.uint8)  # h w 3
        self.shape: tuple[int, int] = picture.shape[:2]
        self.touches = touches if touches is not None else Touches.none(self.shape)
        self.marks: tuple[Mark, ...] = tuple(sorted(marks, key=lambda mark: mark.start))  # stable
        self.reserved = reserved
        self._reset()

    def _reset(self) -> None:
        paint = np.full((*self.shape, 3), PAPER, np.uint8)
        self._layers = Layers(paint, {name: Layer.empty(self.shape) for name in LAYERS[1:]})
        self._used: set[str] = set()
        self._next = 0  # marks before this have been started (laid whole, or pending)
        self._pending: list[tuple[Mark, Box]] = []  # started, not yet laid for good, in order
        # The footprints of pending marks laid in blends, by id: a pending mark is one of self.marks,
        # alive as long as the canvas, so its id is never another's while its entry is kept.
        self._footprints: dict[int, Coverage] = {}
        self._frame = -1

    def add(self, marks: Sequence[Mark]) -> None:
        """Plan more marks, none starting before those already planned (a workflow planning stage
        by stage, looking at the canvas as it stands)."""
        if marks and self.marks and min(mark.start for mark in marks) < self.marks[-1].start:
            raise ValueError("marks are added in the order of their start")
        self.marks = self.marks + tuple(sorted(marks, key=lambda mark: mark.start))

    def layers(self, frame: int) -> Layers:
        """The layers as they stand on `frame`, with the marks in progress laid as far as they go."""
        if frame < self._frame:
            self._reset()
        self._frame = frame
        while self._next < len(self.marks) and self.marks[self._next].begun(frame):
            mark = self.marks[self._next]
            box = box_of(mark, self.shape)
            if box is not None:
                self._pending.append((mark, box))
            self._next += 1
        self._lay_finished(frame)
        if not self._pending:
            return self._layers
        shown = self._layers.copy({mark.layer for mark, _ in self._pending})
        for mark, box in self._pending:
            self._lay(shown, mark, box, mark.progress(frame))
        return shown

    def _lay_finished(self, frame: int) -> None:
        """Lay finished marks for good, unless an earlier unfinished one lies under them (order counts)."""
        waiting: list[tuple[Mark, Box]] = []
        for mark, box in self._pending:
            under = (other.layer == mark.layer and box.overlaps(seen) for other, seen in waiting)
            if mark.progress(frame) >= 1.0 and not any(under):
                self._lay(self._layers, mark, box, 1.0)
            else:
                waiting.append((mark, box))
        self._pending = waiting
        if len(self._footprints) > len(waiting):  # forget those laid for good
            pending = {id(mark) for mark, _ in waiting}
            self._footprints = {key: value for key, value in self._footprints.items() if key in pending}

    def _lay(self, layers: Layers, mark: Mark, box: Box, progress: float) -> None:
        self._used.add(mark.layer)
        if mark.layer == "paint":
            self._lay_paint(layers.paint[box.slices], mark, box, progress)
        else:
            self._lay_over(layers.over[mark.layer], mark, box, progress)

    def _lay_paint(self, paint: np.ndarray, mark: Mark, box: Box, progress: float) -> None:
        """Paint on the opaque layer: an erase lays the paper's colour back."""
        color = (PAPER,) * 3 if mark.kind == "erase" else mark.color
        if mark.path is not None and mark.opacity >= 1.0:
            draw_path(paint, mark, box, color, progress)
        else:
            alpha = self._footprint(mark, box, progress).laid(progress)[..., None]
            painted = paint + alpha * (np.asarray(color, np.float32) - paint)
            paint[:] = np.clip(painted + 0.5, 0, 255).astype(np.uint8)
        if self.reserved is not None:
            paint[self.reserved[box.slices]] = PAPER

    def _lay_over(self, layer: Layer, mark: Mark, box: Box, progress: float) -> None:
        color, opacity = layer.color[box.slices], layer.alpha[box.slices]
        alpha = self._footprint(mark, box, progress).laid(progress)
        if mark.kind == "finish":  # the last touches: the picture's own pixels, wholly opaque
            laid = alpha > 0
            color[laid] = self.picture[box.slices][laid]
            opacity[laid] = 1.0
            return
        if self.reserved is not None and mark.layer != "sketch":  # a sketch runs over the bare page
            alpha = alpha * ~self.reserved[box.slices]
        # Over, premultiplied: c (1 - a) + mark a, written as c + a (mark - c); an erase lays nothing.
        target = np.float32(0.0) if mark.kind == "erase" else np.asarray(mark.color, np.float32)
        color += alpha[..., None] * (target - color)
        opacity += alpha * (float(mark.kind != "erase") - opacity)

    def _footprint(self, mark: Mark, box: Box, progress: float) -> Coverage:
        """A mark's coverage, kept while the mark is in progress (it is laid again each frame)."""
        if progress >= 1.0 and id(mark) not in self._footprints:
            return coverage(mark, box)
        found = self._footprints.get(id(mark))
        if found is None:
            found = self._footprints[id(mark)] = coverage(mark, box, in_progress=True)
        return found

    def frame(self, index: int, view: View = View()) -> np.ndarray:
        """Frame `index` as float32 RGB (h w 3): the paper and paint with the layers over it, and
        the finishing touches laid so far."""
        shown = composite(self.layers(index), view, self._used)
        if len(self.touches):
            cv2.copyTo(self.picture.astype(np.float32), self.touches.laid_by(index).view(np.uint8), shown)
        return shown


def composite(layers: Layers, view: View, used: set[str] | frozenset[str] = frozenset(LAYERS)) -> np.ndarray:
    """The layers (those `used`) over the paint, as the artist sees them (h w 3 float32)."""
    shown = layers.paint.astype(np.float32)
    weights = {"sketch": view.sketch_opacity, "lines": float(view.lines_visible), "finish": 1.0}
    for name, layer in layers.over.items():
        weight = weights[name]
        if weight <= 0 or name not in used:
            continue
        alpha, color = layer.alpha, layer.color
        if weight < 1:
            alpha, color = alpha * weight, color * weight
        cv2.multiply(shown, cv2.merge([1.0 - alpha] * 3), dst=shown)
        cv2.add(shown, color, dst=shown)
    return shown
