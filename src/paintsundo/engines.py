"""Choosing the engine for `--engine auto|procedural|neural`."""

from __future__ import annotations

from paintsundo.errors import PaintsUndoError


def choose_engine(requested: str) -> tuple[str, str]:
    """The engine to run and why, as one line for the user."""
    if requested == "procedural":
        return "procedural", "asked for with --engine procedural"
    if requested == "neural":
        raise PaintsUndoError(
            "the neural engine is not in this version of paintsundo yet: use --engine procedural (or auto)"
        )
    return "procedural", "auto: the neural engine is not in this version yet, so the procedural engine runs"
