"""paintsundo: turn a finished picture into a video of it being drawn.

The public API is imported on first use, so that `paintsundo.models` or the neural pipeline can be
used without the video and image-processing dependencies of the rest (as on a bare GPU machine).
"""

from typing import TYPE_CHECKING

from paintsundo._version import __version__

_API = {
    "RunResult": "paintsundo.undo.api",
    "draw_process": "paintsundo.undo.api",
    "make_video": "paintsundo.undo.api",
    "PaintsUndoError": "paintsundo.errors",
    "Settings": "paintsundo.undo.settings",
    "colorize": "paintsundo.coloring.api",
    "make_colorized": "paintsundo.coloring.api",
}

__all__ = [
    "PaintsUndoError",
    "RunResult",
    "Settings",
    "__version__",
    "colorize",
    "draw_process",
    "make_colorized",
    "make_video",
]

if TYPE_CHECKING:
    from paintsundo.coloring.api import colorize, make_colorized
    from paintsundo.errors import PaintsUndoError
    from paintsundo.undo.api import RunResult, draw_process, make_video
    from paintsundo.undo.settings import Settings


def __getattr__(name: str) -> object:
    if name in _API:
        import importlib

        return getattr(importlib.import_module(_API[name]), name)
    raise AttributeError(f"module 'paintsundo' has no attribute {name!r}")
