"""The words both engines and their callers use for a drawing process: its stages and events, the
keyframes it passes through, and how it reports progress. Imports neither engine."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

# progress(stage, done, total), counted within the stage: the procedural engine's stages as it draws
# them (blank, sketch, lineart, ...); "tagging", "keyframes", "video i/n" for the neural engine; then
# "encoding" while an output is written.
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Stage:
    name: str
    start: int  # first frame of the stage
    end: int  # one past its last frame; the stage's work is complete on frame end - 1

    @property
    def frames(self) -> int:
        return self.end - self.start


@dataclass(frozen=True)
class Event:
    """A behaviour or layer change, visible on frames start .. end - 1."""

    kind: str
    start: int
    end: int
    detail: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"kind": self.kind, "start": self.start, "end": self.end, **self.detail}


@dataclass
class Keyframe:
    """A picture on the way from blank to finished, at its operation step."""

    step: int  # 0 is the finished picture, 1000 the blank canvas
    picture: np.ndarray  # RGB uint8
    source: str  # "input", "generated", "user", "given" or "blank"
