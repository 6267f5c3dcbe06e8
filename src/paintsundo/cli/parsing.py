"""Values the command line spells in its own way, turned into the library's settings."""

from __future__ import annotations

import math

from paintsundo.errors import PaintsUndoError
from paintsundo.undo.settings import (
    DEFAULT_FPS,
    DEFAULT_FRAMES,
    FPS_RANGE,
    MAX_FRAMES,
    StageWeights,
    check_stage_weights,
)


def resolve_timing(frames: int | None, fps: float | None, duration: float | None) -> tuple[int, float]:
    """Frames and fps from at most two of frames, fps and duration (duration = frames / fps)."""
    given = [
        name
        for name, value in (("--frames", frames), ("--fps", fps), ("--duration", duration))
        if value is not None
    ]
    if len(given) == 3:
        raise PaintsUndoError(
            "give at most two of --frames, --fps and --duration: the third follows from them"
        )
    if duration is not None and not (math.isfinite(duration) and duration > 0):
        raise PaintsUndoError(f"--duration must be a positive number of seconds, got {duration:g}")
    frames = DEFAULT_FRAMES if frames is None else frames
    fps = DEFAULT_FPS if fps is None else fps
    if duration is None:
        return frames, fps
    if "--fps" in given:
        if not FPS_RANGE[0] <= fps <= FPS_RANGE[1]:
            return frames, fps  # the settings refuse this fps in their own words
        _check_frames_of(duration, fps)
        return max(2, round(duration * fps)), fps
    _check_fps_of(duration, frames)
    return frames, frames / duration


def _check_frames_of(duration: float, fps: float) -> None:
    """The frames a duration gives at an fps are within what a run may draw."""
    if duration * fps > MAX_FRAMES:
        raise PaintsUndoError(
            f"--duration {duration:g} at {fps:g} fps gives {duration * fps:.3g} frames; frames must be"
            f" at most {MAX_FRAMES}: give a duration up to {MAX_FRAMES / fps:g} s"
        )


def _check_fps_of(duration: float, frames: int) -> None:
    """The fps a duration gives to a valid frame count is one a video may play at."""
    low, high = FPS_RANGE
    if 2 <= frames <= MAX_FRAMES and not low <= frames / duration <= high:
        raise PaintsUndoError(
            f"--duration {duration:g} with {frames} frames gives {frames / duration:.3g} fps; fps must be"
            f" between {low:g} and {high:g}: give a duration between {frames / high:g} and"
            f" {frames / low:g} s"
        )


def parse_stage_weights(text: str) -> StageWeights:
    """Relative stage lengths from "sketch=0.3,detail=0": the stages named change, the others keep
    their workflow's defaults, and only the ratios count. Which names exist depends on the workflow."""
    weights = []
    for part in (piece.strip() for piece in text.split(",") if piece.strip()):
        name, equals, value = part.partition("=")
        try:
            weights.append((name.strip(), float(value)))
        except ValueError:
            equals = ""
        if not equals or not name.strip():
            raise PaintsUndoError(
                f"cannot read stage weights {text!r}: name each stage, like sketch=0.3,detail=0.1"
            )
    check_stage_weights(tuple(weights))
    return tuple(weights)
