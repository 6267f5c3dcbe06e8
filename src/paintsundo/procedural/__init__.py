"""The procedural engine: a simulated digital artist, computed from the picture itself.

Needs only NumPy, Pillow and OpenCV; it never imports torch.
"""

from typing import TYPE_CHECKING

from paintsundo.procedural.timeline import BEHAVIOURS, STAGES, Event, Stage

__all__ = ["BEHAVIOURS", "STAGES", "DrawingProcess", "Event", "Stage"]

if TYPE_CHECKING:
    from paintsundo.procedural.process import DrawingProcess


def __getattr__(name: str) -> object:
    # The engine itself needs OpenCV; its timeline vocabulary (used by the neural engine too) does not.
    if name == "DrawingProcess":
        from paintsundo.procedural.process import DrawingProcess

        return DrawingProcess
    raise AttributeError(f"module 'paintsundo.procedural' has no attribute {name!r}")
