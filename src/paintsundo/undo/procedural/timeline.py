"""When each stage and behaviour happens, in frames."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from paintsundo.timeline import Event, Stage

__all__ = ["BEHAVIOURS", "Event", "Stage", "Timeline", "place", "plan_stages"]

BEHAVIOURS = ("flip", "layer_toggle", "color_curve", "transform", "change_of_idea")

# The smallest stage (in frames) that a behaviour can be staged in and still read as one.
MIN_HOST_FRAMES = 4


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


def plan_stages(frames: int, names: tuple[str, ...], weights: tuple[float, ...]) -> Timeline:
    """Split frames 1 .. frames-1 between the named stages in proportion to weights; frame 0 is blank."""
    total = sum(weights)
    working = frames - 1
    bounds = [1 + round(working * part / total) for part in np.cumsum(weights)]
    bounds[-1] = frames
    starts = [1, *bounds[:-1]]
    stages = tuple(Stage(name, start, end) for name, start, end in zip(names, starts, bounds, strict=True))
    return Timeline(frames=frames, stages=stages)


def place(stage: Stage, fraction: float, length: int) -> tuple[int, int] | None:
    """Frames [start, start + length) at about `fraction` through a stage, or None if it is too short."""
    if stage.frames < max(MIN_HOST_FRAMES, length + 2):
        return None
    start = stage.start + 1 + round(fraction * (stage.frames - length - 2))
    return start, start + length
