"""The procedural engine: a finished picture in, the frames of a simulated drawing process out."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from paintsundo.undo.procedural.analysis import Layers, analyse
from paintsundo.undo.procedural.behaviours import Behaviours, plan_behaviours
from paintsundo.undo.procedural.choice import choose_workflow
from paintsundo.undo.procedural.render import RevealFrames, render
from paintsundo.undo.procedural.timeline import BEHAVIOURS, Event, Stage, Timeline, plan_stages
from paintsundo.undo.procedural.workflows import Workflow, find_workflow


class DrawingProcess:
    """Frame 0 is a blank canvas; the last frame is the picture, pixel for pixel.

    Between them, the stages of a workflow (cel line art, painting, flat graphics or pencil), with
    the artist's habits (flipping the canvas, toggling layers, curves, moving a part, changing an
    idea) on top where they make sense. The same picture, settings and seed give the same frames.
    """

    drawn_as_written = True  # each frame is drawn when asked for, so writing them is the drawing

    def __init__(
        self,
        pixels: np.ndarray,
        frames: int,
        seed: int = 0,
        workflow: str = "auto",
        stage_weights: Mapping[str, float] | None = None,
        behaviours: frozenset[str] = frozenset(BEHAVIOURS),
        layers: Layers | None = None,
    ) -> None:
        """`layers`, when known (a colourist's), are drawn as they are instead of being estimated
        from the picture."""
        if pixels.ndim != 3 or pixels.shape[2] != 3 or pixels.dtype != np.uint8:
            raise ValueError(f"expected an RGB uint8 array (h w 3), got {pixels.dtype} {pixels.shape}")
        self.details: dict[str, Any] = {}  # what a neural run records; nothing here
        name = workflow
        if name == "auto":
            name, reason, features = choose_workflow(pixels)
            self.choice = {"workflow": name, "reason": f"auto: {reason}", "features": features.to_json()}
        else:
            self.choice = {"workflow": name, "reason": "asked for"}
        self.workflow: Workflow = find_workflow(name)
        weights = self.workflow.stage_weights(stage_weights or {})
        rng = np.random.default_rng(seed)
        self.timeline: Timeline = plan_stages(frames, self.workflow.stages, weights)
        self.layers: Layers = analyse(pixels, rng) if layers is None else layers
        enabled = frozenset(behaviours) & self.workflow.habits
        self.behaviours: Behaviours = plan_behaviours(
            self.timeline, self.layers, enabled, rng, self.workflow.roles
        )
        self.reveal: RevealFrames = self.workflow.schedule(self.layers, self.timeline, self.behaviours, rng)

    def __len__(self) -> int:
        return self.timeline.frames

    def __iter__(self) -> Iterator[np.ndarray]:
        return (self.frame(index) for index in range(len(self)))

    @property
    def stages(self) -> tuple[Stage, ...]:
        return self.timeline.stages

    @property
    def events(self) -> tuple[Event, ...]:
        return self.behaviours.events

    def stage_at(self, index: int) -> str:
        return self.timeline.stage_at(index)

    def frame(self, index: int) -> np.ndarray:
        """The canvas on frame `index` as RGB uint8 (h w 3)."""
        if not 0 <= index < len(self):
            raise IndexError(f"frame {index} is outside 0..{len(self) - 1}")
        return render(self.layers, self.reveal, self.behaviours, index)
