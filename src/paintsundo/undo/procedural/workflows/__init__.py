"""How artists of different kinds get from a blank canvas to the picture: one module per workflow.

A workflow names its stages and their default lengths, says which stages the artist's habits live
in, and plans the marks the artist lays, with their times. The canvas that lays them, the timeline
and the habits are shared.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from paintsundo.errors import PaintsUndoError
from paintsundo.undo.procedural import WORKFLOW_NAMES
from paintsundo.undo.procedural.canvas import Canvas
from paintsundo.undo.procedural.known import ColoringLayers
from paintsundo.undo.procedural.plan import Plan
from paintsundo.undo.procedural.timeline import BEHAVIOURS, Timeline

# The marks a workflow lays (given the habits that are on), and the canvas it planned them on.
# `known` layers, where a colourist made the picture, are drawn as they are instead of estimated.
Planner = Callable[
    [np.ndarray, Timeline, np.random.Generator, frozenset[str], ColoringLayers | None], tuple[Plan, Canvas]
]


@dataclass(frozen=True)
class Roles:
    """Which of a workflow's stages the habits live in."""

    lines: str | None  # lines are drawn: a part is moved, the line layer is toggled
    color: str  # colour goes down: the canvas is flipped
    rendering: str  # the colours are adjusted with a curve


@dataclass(frozen=True)
class Workflow:
    name: str
    summary: str
    stages: tuple[str, ...]
    weights: tuple[float, ...]  # the stages' default relative lengths
    roles: Roles
    plan: Planner  # the marks it lays
    habits: frozenset[str] = frozenset(BEHAVIOURS)  # the habits that make sense in it

    def stage_weights(self, chosen: Mapping[str, float]) -> tuple[float, ...]:
        """The defaults, with the stages named in `chosen` replaced; naming a stage it lacks is an error."""
        unknown = sorted(set(chosen) - set(self.stages))
        if unknown:
            stages = ", ".join(self.stages)
            raise PaintsUndoError(
                f"the {self.name} workflow has no stage {unknown[0]!r}: its stages are {stages}"
            )
        defaults = zip(self.stages, self.weights, strict=True)
        weights = tuple(float(chosen.get(name, weight)) for name, weight in defaults)
        if sum(weights) <= 0:
            raise PaintsUndoError("stage weights must not all be zero")
        return weights


def workflows() -> dict[str, Workflow]:
    """Every workflow, by name: those for finished pictures, and colouring for known layers."""
    from paintsundo.undo.procedural.workflows import cel, coloring, graphic, painting, pencil

    modules = (cel, painting, graphic, pencil, coloring)
    return {module.WORKFLOW.name: module.WORKFLOW for module in modules}


def find_workflow(name: str) -> Workflow:
    try:
        return workflows()[name]
    except KeyError:
        raise PaintsUndoError(
            f"unknown workflow {name!r}: choose auto, {', '.join(WORKFLOW_NAMES)}"
        ) from None
