"""Values the command line spells in its own way, turned into the library's settings."""

from __future__ import annotations

import math

from paintsundo.errors import PaintsUndoError
from paintsundo.settings import DEFAULT_FPS, DEFAULT_FRAMES, StageWeights, check_stage_weights


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
        raise PaintsUndoError(f"duration must be a positive number of seconds, got {duration}")
    if duration is not None and fps is not None:
        return max(2, round(duration * fps)), fps
    if duration is not None:
        frames = DEFAULT_FRAMES if frames is None else frames
        return frames, frames / duration
    return (DEFAULT_FRAMES if frames is None else frames), (DEFAULT_FPS if fps is None else fps)


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
