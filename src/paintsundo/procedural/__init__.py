"""The procedural engine: a simulated digital artist, computed from the picture itself.

Needs only NumPy, Pillow and OpenCV; it never imports torch.
"""

from paintsundo.procedural.process import DrawingProcess
from paintsundo.procedural.timeline import BEHAVIOURS, STAGES, Event, Stage

__all__ = ["BEHAVIOURS", "STAGES", "DrawingProcess", "Event", "Stage"]
