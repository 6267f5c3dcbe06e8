"""A workflow's plan: the marks it lays, when, and the finishing touches that end on the picture.

A `Hand` times marks the way one hand lays them: one after another through a stage, each taking
time in proportion to the work in it (a stroke's length, a fill's size).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from paintsundo.timeline import Event, Stage
from paintsundo.undo.procedural.marks import Mark, count_by_kind


@dataclass(frozen=True)
class Touches:
    """The finishing pass: many small touches, each laying the picture's own pixels where it lands.

    `labels` (h w int32) names the touch that covers each pixel (-1: none needed, the canvas is
    already the picture there); touch i is laid on frame `frames[i]`.
    """

    labels: np.ndarray
    frames: np.ndarray  # float32, one per touch

    @classmethod
    def none(cls, shape: tuple[int, int]) -> Touches:
        return cls(np.full(shape, -1, np.int32), np.zeros(0, np.float32))

    def __len__(self) -> int:
        return len(self.frames)

    def laid_by(self, frame: float) -> np.ndarray:
        """Where touches have been laid by `frame` (h w bool)."""
        laid = np.append(self.frames <= frame, False)  # label -1 reads the appended False
        return laid[self.labels]


@dataclass(frozen=True)
class Plan:
    """Everything a workflow lays, in the order of the plan, and its finishing touches."""

    marks: tuple[Mark, ...]
    touches: Touches
    reserved: np.ndarray | None = None  # h w bool: bare canvas in the picture, which paint goes around
    sketch_opacity: np.ndarray | None = None  # per frame: how the sketch layer is shown (default 1)
    events: tuple[Event, ...] = ()  # the workflow's own: layers shown and hidden, a change of idea
    choices: dict = field(default_factory=dict)  # what the artist chose, for the manifest

    def counts(self) -> dict[str, int]:
        counts = count_by_kind(self.marks)
        counts["finish"] += len(self.touches)
        return counts


class Hand:
    """Lays marks one after another through a stage, at a steady pace."""

    def __init__(self, stage: Stage) -> None:
        self.stage = stage

    def times(
        self, efforts: np.ndarray | list[float], share: tuple[float, float] = (0.0, 1.0)
    ) -> tuple[np.ndarray, np.ndarray]:
        """Start and end frames of marks that follow one another over `share` (from, to: fractions)
        of the stage, each for a time in proportion to its effort; a mark spans frames only when
        its time does."""
        efforts = np.maximum(np.asarray(efforts, np.float64), 1e-9)
        if len(efforts) == 0:
            return np.zeros(0), np.zeros(0)
        first = self.stage.start + share[0] * self.stage.frames
        span = (share[1] - share[0]) * self.stage.frames
        ends = first + span * np.cumsum(efforts) / efforts.sum()
        starts = np.concatenate([[first], ends[:-1]])
        # An empty stage's marks go down on the frame before it (never the blank frame 0, nor a
        # frame past the last: an empty last stage ends where the video does).
        last = max(self.stage.end - 1, 1)
        starts = np.clip(starts, 1, last)
        return starts, np.clip(ends - 1.0, starts, last)

    def time(
        self, marks: list[Mark], efforts: np.ndarray | list[float], share: tuple[float, float] = (0.0, 1.0)
    ) -> list[Mark]:
        """`marks` re-timed by `times`."""
        starts, ends = self.times(efforts, share)
        return [
            replace(mark, start=float(start), end=float(end))
            for mark, start, end in zip(marks, starts, ends, strict=True)
        ]
