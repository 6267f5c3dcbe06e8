"""The words both engines use for a drawing process's timeline: its stages and its events."""

from __future__ import annotations

from dataclasses import dataclass, field


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
