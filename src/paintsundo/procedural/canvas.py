"""The canvas: lays a plan of marks frame by frame, on the layers a digital artist keeps.

Every pixel a frame shows comes from the paper and the marks laid by that frame; a mark still in
progress shows the part of it laid so far. Frames are made in order, each from the last.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from paintsundo.procedural.marks import LAYERS, Mark
from paintsundo.procedural.plan import Touches
from paintsundo.procedural.raster import Coverage, coverage

PAPER = 255.0


@dataclass
class Layer:
    """Premultiplied colour (h w 3 float32) and opacity (h w float32)."""

    colour: np.ndarray
    alpha: np.ndarray

    @classmethod
    def empty(cls, shape: tuple[int, int]) -> Layer:
        return cls(np.zeros((*shape, 3), np.float32), np.zeros(shape, np.float32))

    def copy(self) -> Layer:
        return Layer(self.colour.copy(), self.alpha.copy())


@dataclass(frozen=True)
class View:
    """How the layers are shown on one frame: the artist's habits that change no paint."""

    sketch_opacity: float = 1.0
    lines_visible: bool = True


class Canvas:
    """Lays `marks` on a canvas of `picture`'s size; finishing touches take `picture`'s own colours."""

    def __init__(
        self, picture: np.ndarray, marks: Sequence[Mark], touches: Touches | None = None, seed: int = 0
    ) -> None:
        self.picture = picture.astype(np.float32)  # h w 3
        self.shape: tuple[int, int] = picture.shape[:2]
        self.touches = touches if touches is not None else Touches.none(self.shape)
        order = sorted(range(len(marks)), key=lambda index: marks[index].start)  # stable: plan order ties
        self.marks: tuple[Mark, ...] = tuple(marks[index] for index in order)
        self.grain = _grain(self.shape, seed)
        self._reset()

    def _reset(self) -> None:
        self._layers = {name: Layer.empty(self.shape) for name in LAYERS}
        self._next = 0  # marks before this have been started (laid whole, or pending)
        self._pending: list[tuple[Mark, Coverage]] = []  # started, not yet in the layers, in order
        self._frame = -1

    def layers(self, frame: int) -> dict[str, Layer]:
        """The layers as they stand on `frame`, with the marks in progress laid as far as they go."""
        if frame < self._frame:
            self._reset()
        self._frame = frame
        while self._next < len(self.marks) and self.marks[self._next].start <= frame:
            mark = self.marks[self._next]
            self._next += 1
            found = coverage(mark, self.shape, self.grain)
            if found is not None:
                self._pending.append((mark, found))
        self._commit_finished(frame)
        if not self._pending:
            return self._layers
        shown = dict(self._layers)
        for mark, found in self._pending:
            if shown[mark.layer] is self._layers[mark.layer]:
                shown[mark.layer] = self._layers[mark.layer].copy()
            self._lay(shown[mark.layer], mark, found, mark.progress(frame))
        return shown

    def _commit_finished(self, frame: int) -> None:
        """Lay finished marks for good, unless an earlier unfinished one lies under them (order counts)."""
        waiting: list[tuple[Mark, Coverage]] = []
        for mark, found in self._pending:
            under = (other.layer == mark.layer and _overlap(found, seen) for other, seen in waiting)
            if mark.progress(frame) >= 1.0 and not any(under):
                self._lay(self._layers[mark.layer], mark, found, 1.0)
            else:
                waiting.append((mark, found))
        self._pending = waiting

    def _lay(self, layer: Layer, mark: Mark, found: Coverage, progress: float) -> None:
        alpha = found.laid(progress)
        height, width = alpha.shape
        box = (slice(found.top, found.top + height), slice(found.left, found.left + width))
        colour, opacity = layer.colour[box], layer.alpha[box]
        if mark.kind == "finish":  # the last touches: the picture's own pixels, wholly opaque
            laid = alpha > 0
            colour[laid] = self.picture[box][laid]
            opacity[laid] = 1.0
            return
        keep = 1.0 - alpha
        np.multiply(colour, keep[..., None], out=colour)
        np.multiply(opacity, keep, out=opacity)
        if mark.kind != "erase":
            colour += alpha[..., None] * np.asarray(mark.colour, np.float32)
            opacity += alpha

    def add(self, marks: Sequence[Mark]) -> None:
        """Plan more marks, none starting before those already planned (a workflow planning stage
        by stage, looking at the canvas as it stands)."""
        if marks and self.marks and min(mark.start for mark in marks) < self.marks[-1].start:
            raise ValueError("marks are added in the order of their start")
        self.marks = self.marks + tuple(sorted(marks, key=lambda mark: mark.start))

    def frame(self, index: int, view: View = View()) -> np.ndarray:
        """Frame `index` as float32 RGB (h w 3): the paper with the layers over it, and the
        finishing touches laid so far."""
        shown = composite(self.layers(index), view)
        if len(self.touches):
            cv2.copyTo(self.picture, self.touches.laid_by(index).view(np.uint8), shown)
        return shown


def composite(layers: dict[str, Layer], view: View) -> np.ndarray:
    """The layers over the paper, as the artist sees them (h w 3 float32)."""
    shown = np.full((*layers["paint"].alpha.shape, 3), PAPER, np.float32)
    weights = {"paint": 1.0, "sketch": view.sketch_opacity, "lines": float(view.lines_visible), "finish": 1.0}
    for name in LAYERS:
        weight = weights[name]
        layer = layers[name]
        if weight <= 0:
            continue
        alpha, colour = layer.alpha, layer.colour
        if weight < 1:
            alpha, colour = alpha * weight, colour * weight
        # over: shown (1 - a) + premultiplied colour
        cv2.multiply(shown, cv2.merge([1.0 - alpha] * 3), dst=shown)
        cv2.add(shown, colour, dst=shown)
    return shown


def _overlap(first: Coverage, second: Coverage) -> bool:
    return not (
        first.top >= second.top + second.alpha.shape[0]
        or second.top >= first.top + first.alpha.shape[0]
        or first.left >= second.left + second.alpha.shape[1]
        or second.left >= first.left + first.alpha.shape[1]
    )


def _grain(shape: tuple[int, int], seed: int) -> np.ndarray:
    """A brush's dry texture over the canvas: fine noise with some streaks (h w float32, 0..1)."""
    rng = np.random.default_rng(seed)
    fine = rng.random(shape, dtype=np.float32)
    return cv2.GaussianBlur(fine, (0, 0), 0.8) * 0.6 + fine * 0.4
