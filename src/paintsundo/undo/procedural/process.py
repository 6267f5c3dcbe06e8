"""The procedural engine: a finished picture in, the frames of a simulated drawing process out."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import cv2
import numpy as np

from paintsundo.undo.procedural.canvas import View
from paintsundo.undo.procedural.choice import choose_workflow
from paintsundo.undo.procedural.habits import Habits, plan_habits
from paintsundo.undo.procedural.known import ColoringLayers
from paintsundo.undo.procedural.plan import Plan
from paintsundo.undo.procedural.timeline import BEHAVIOURS, Event, Stage, Timeline, plan_stages
from paintsundo.undo.procedural.workflows import Workflow, find_workflow


class DrawingProcess:
    """Frame 0 is a blank canvas; the last frame is the picture, pixel for pixel.

    Between them, the marks a workflow's artist lays (cel line art, painting, flat graphics or
    pencil), with the artist's habits (flipping the canvas, toggling layers, curves, moving a part,
    changing an idea) where they make sense. Every frame shows the marks laid so far. The same
    picture, settings and seed give the same frames.
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
        layers: ColoringLayers | None = None,
    ) -> None:
        """`layers`, when known (a colourist's), are drawn as they are instead of being estimated
        from the picture."""
        if pixels.ndim != 3 or pixels.shape[2] != 3 or pixels.dtype != np.uint8:
            raise ValueError(f"expected an RGB uint8 array (h w 3), got {pixels.dtype} {pixels.shape}")
        name = workflow
        if name == "auto":
            name, reason, features = choose_workflow(pixels)
            self.workflow_choice = {
                "workflow": name,
                "reason": f"auto: {reason}",
                "features": features.to_json(),
            }
        else:
            self.workflow_choice = {"workflow": name, "reason": "asked for"}
        self.workflow: Workflow = find_workflow(name)
        weights = self.workflow.stage_weights(stage_weights or {})
        rng = np.random.default_rng(seed)
        self.timeline: Timeline = plan_stages(frames, self.workflow.stages, weights)
        enabled = frozenset(behaviours) & self.workflow.habits
        self.plan: Plan
        self.plan, self.canvas = self.workflow.plan(pixels, self.timeline, rng, enabled, layers)
        self.canvas.touches = self.plan.touches  # planned on this canvas, after its marks
        self.workflow_choice["marks"] = self.plan.counts()  # for the manifest, with the workflow's choices
        if self.plan.choices:
            self.workflow_choice["approach"] = self.plan.choices
        roles = self.workflow.roles
        # The line layer is hidden to check the colour under it: while shading, when there is some
        # (hidden while inking, a colouring video with no sketch under its lines went blank).
        hosts = {"flip": roles.color, "layer_toggle": roles.rendering, "color_curve": roles.rendering}
        hosts["transform"] = roles.lines or roles.rendering
        # A part worth moving is where the picture's detail is densest (usually the face).
        focus = np.abs(cv2.Laplacian(cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY), cv2.CV_32F))
        self.habits: Habits = plan_habits(self.timeline, enabled, hosts, focus, rng)
        self._recent: dict[int, np.ndarray] = {}
        self.details: dict[str, Any] = {}  # what a neural run records; nothing here

    def __len__(self) -> int:
        return self.timeline.frames

    def __iter__(self) -> Iterator[np.ndarray]:
        return (self.frame(index) for index in range(len(self)))

    @property
    def stages(self) -> tuple[Stage, ...]:
        return self.timeline.stages

    @property
    def events(self) -> tuple[Event, ...]:
        return tuple(
            sorted(self.plan.events + self.habits.events, key=lambda event: (event.start, event.kind))
        )

    def stage_at(self, index: int) -> str:
        return self.timeline.stage_at(index)

    def frame(self, index: int) -> np.ndarray:
        """The canvas on frame `index` as RGB uint8 (h w 3)."""
        if not 0 <= index < len(self):
            raise IndexError(f"frame {index} is outside 0..{len(self) - 1}")
        # Frames are laid in order; the last two are kept, as callers often look one back.
        if index not in self._recent:
            sketch = 1.0 if self.plan.sketch_opacity is None else float(self.plan.sketch_opacity[index])
            view = View(sketch_opacity=sketch, lines_visible=self.habits.lines_visible(index))
            shown = cv2.convertScaleAbs(self.habits.shown(self.canvas.frame(index, view), index))
            self._recent = {index: shown} | {
                key: value for key, value in self._recent.items() if key == index - 1
            }
        return self._recent[index].copy()
