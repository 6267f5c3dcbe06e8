"""Paints-UNDO's neural pipeline: the tagger's prompt, keyframes from the single-frame model, and the
video between them from the multi-frame model, as the reference app runs them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # the package itself imports no torch: the run's settings import its settings
    import numpy as np

    from paintsundo.timeline import Progress
    from paintsundo.undo.pipeline.paints_undo import KeyframePicture, NeuralProcess
    from paintsundo.undo.pipeline.settings import KeyframeSettings, VideoSettings


class NeuralPipeline(Protocol):
    """What runs the three stages for a picture: the models of one device (`PaintsUndoPipeline`) or
    of several, with the picture's work shared out between them (`SpreadPipeline`)."""

    def __call__(
        self,
        picture: np.ndarray,
        keyframe_settings: KeyframeSettings,
        video_settings: VideoSettings,
        prompt: str | None = None,
        user_keyframes: Sequence[KeyframePicture] = (),
        progress: Progress | None = None,
    ) -> NeuralProcess:
        """Tag the picture (unless a prompt is given), make the keyframes, fill the video."""
        ...
