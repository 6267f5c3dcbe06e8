"""The procedural engine: a simulated artist, computed from the picture itself.

Needs only NumPy, Pillow and OpenCV; it never imports torch.
"""

from typing import TYPE_CHECKING

from paintsundo.procedural.timeline import BEHAVIOURS

# The workflows an artist can follow (see `workflows`); "auto" tells them apart from the picture.
WORKFLOW_NAMES = ("cel", "painting", "graphic", "pencil")

__all__ = ["BEHAVIOURS", "WORKFLOW_NAMES", "DrawingProcess"]

if TYPE_CHECKING:
    from paintsundo.procedural.process import DrawingProcess


def __getattr__(name: str) -> object:
    # The engine itself needs OpenCV; the names the settings use do not.
    if name == "DrawingProcess":
        from paintsundo.procedural.process import DrawingProcess

        return DrawingProcess
    raise AttributeError(f"module 'paintsundo.procedural' has no attribute {name!r}")
