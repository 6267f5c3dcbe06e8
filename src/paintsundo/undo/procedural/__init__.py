"""The procedural engine: a simulated artist, computed from the picture itself.

Needs only NumPy, Pillow and OpenCV; it never imports torch.
"""

from typing import TYPE_CHECKING

from paintsundo.undo.procedural.timeline import BEHAVIOURS

# The workflows an artist can follow (see `workflows`); "auto" tells them apart from the picture.
WORKFLOW_NAMES = ("cel", "painting", "graphic", "pencil")
# Each workflow's stages in drawing order, here rather than in the workflow modules, so that help
# texts can name them without importing the drawing code.
WORKFLOW_STAGES = {
    "cel": ("sketch", "lineart", "flat", "shading", "detail"),
    "painting": ("block-in", "forms", "focus", "accents"),
    "graphic": ("shapes", "details", "finish"),
    "pencil": ("construction", "contours", "lines", "tone"),
    "colouring": ("lineart", "flat", "shading", "highlights"),
}

__all__ = ["BEHAVIOURS", "WORKFLOW_NAMES", "DrawingProcess"]

if TYPE_CHECKING:
    from paintsundo.undo.procedural.process import DrawingProcess


def __getattr__(name: str) -> object:
    # The engine itself needs OpenCV; the names the settings use do not.
    if name == "DrawingProcess":
        from paintsundo.undo.procedural.process import DrawingProcess

        return DrawingProcess
    raise AttributeError(f"module 'paintsundo.undo.procedural' has no attribute {name!r}")
