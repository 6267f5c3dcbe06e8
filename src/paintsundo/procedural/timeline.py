"""When each stage and behaviour happens, in frames."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

STAGES = ("sketch", "lineart", "flat", "shading", "detail")
BEHAVIOURS = ("flip", "layer_toggle", "color_curve", "transform", "change_of_idea")
DEFAULT_STAGE_WEIGHTS = (0.14, 0.24, 0.22, 0.22, 0.18)

# The smallest stage (in frames) that a behaviour can be staged in and still read as one.
MIN_HOST_FRAMES = 4


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


@dataclass(frozen=True)
class Timeline:
    frames: int
    stages: tuple[Stage, ...]

    def stage(self, name: str) -> Stage:
        return next(stage for stage in self.stages if stage.name == name)

    def stage_at(self, frame: int) -> str:
        if frame == 0:
            return "blank"
        for stage in self.stages:
            if stage.start <= frame < stage.end:
                return stage.name
        return self.stages[-1].name


def plan_stages(frames: int, weights: tuple[float, ...]) -> Timeline:
    """Split frames 1 .. frames-1 between the stages in proportion to weights; frame 0 is blank."""
    total = sum(weights)
    working = frames - 1
    bounds = [1 + round(working * part / total) for part in np.cumsum(weights)]
    bounds[-1] = frames
    starts = [1, *bounds[:-1]]
    stages = tuple(Stage(name, start, end) for name, start, end in zip(STAGES, starts, bounds, strict=True))
    return Timeline(frames=frames, stages=stages)


def place(stage: Stage, fraction: float, length: int) -> tuple[int, int] | None:
    """Frames [start, start + length) at about `fraction` through a stage, or None if it is too short."""
    if stage.frames < max(MIN_HOST_FRAMES, length + 2):
        return None
    start = stage.start + 1 + round(fraction * (stage.frames - length - 2))
    return start, start + length
