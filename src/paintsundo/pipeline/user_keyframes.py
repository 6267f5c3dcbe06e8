"""Keyframes supplied by the user (asked for upstream in Paints-UNDO issues #50 and #70)."""

from __future__ import annotations

import dataclasses

import numpy as np

from paintsundo.errors import PaintsUndoError
from paintsundo.pipeline.flow import Keyframe
from paintsundo.pipeline.images import resize_and_center_crop
from paintsundo.pipeline.settings import BLANK_STEP
from paintsundo.settings import Settings


def user_keyframes(
    settings: Settings, given: list[tuple[np.ndarray, int | None]]
) -> tuple[Settings, list[Keyframe]]:
    """Place the user's pictures among the keyframes.

    With operation steps (FILE@STEP), each replaces the generated keyframe of that step or adds one.
    Without steps, they are the whole middle of the sequence, in the order given, and none is
    generated. Mixing both is refused.
    """
    if not given:
        return settings, []
    with_steps = [step is not None for _, step in given]
    if any(with_steps) and not all(with_steps):
        raise PaintsUndoError("give every --keyframe an @STEP, or none: mixing both is ambiguous")
    steps = [step for _, step in given] if all(with_steps) else _spread(len(given))
    if len(set(steps)) != len(steps) or any(not 0 < step < BLANK_STEP for step in steps):
        raise PaintsUndoError("keyframe steps must be distinct whole numbers from 1 to 999")
    size = settings.keyframes
    keyframes = [
        Keyframe(step, resize_and_center_crop(picture, size.width, size.height), "user")
        for (picture, _), step in zip(given, steps, strict=True)
    ]
    if not all(with_steps):
        settings = dataclasses.replace(
            settings, keyframes=dataclasses.replace(size, operation_steps=tuple(steps))
        )
    return settings, keyframes


def _spread(count: int) -> list[int]:
    """Evenly spaced operation steps for keyframes given in drawing order (most finished first)."""
    return [round(BLANK_STEP * (index + 1) / (count + 1)) for index in range(count)]
