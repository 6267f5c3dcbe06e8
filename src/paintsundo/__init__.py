"""paintsundo: turn a finished picture into a video of it being drawn."""

__version__ = "0.1.0"

from paintsundo.api import RunResult, draw_process, make_video
from paintsundo.errors import PaintsUndoError
from paintsundo.settings import Settings

__all__ = ["PaintsUndoError", "RunResult", "Settings", "__version__", "draw_process", "make_video"]
