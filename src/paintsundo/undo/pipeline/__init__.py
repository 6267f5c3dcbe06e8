"""Paints-UNDO's neural pipeline: the tagger's prompt, keyframes from the single-frame model, and the
video between them from the multi-frame model, as the reference app runs them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # the package itself imports no torch: the run's settings import its settings
    import numpy as np

    from paintsundo.timeline import Keyframe, Progress
    from paintsundo.undo.pipeline.paints_undo import KeyframePicture, NeuralProcess
    from paintsundo.undo.pipeline.settings import KeyframeSettings, VideoSettings


class NeuralPipeline(Protocol):
    """What runs the three stages for a picture, together or one by one: the models of one device
    (`PaintsUndoPipeline`) or of several, with the picture's work shared out between them
    (`SpreadPipeline`)."""

    def tagger_prompt(self, picture: np.ndarray, progress: Progress | None = None) -> str:
        """Stage 1: the tagger's prompt for a picture (RGB uint8)."""
        ...

    def keyframes(
        self,
        picture: np.ndarray,
        keyframe_settings: KeyframeSettings,
        prompt: str,
        user_keyframes: Sequence[KeyframePicture] = (),
        progress: Progress | None = None,
    ) -> list[Keyframe]:
        """Stage 2: the picture, the keyframes by operation step and the blank canvas, most finished
        first."""
        ...

    def video(
        self, keyframes: list[Keyframe], video_settings: VideoSettings, progress: Progress | None = None
    ) -> NeuralProcess:
        """Stage 3: the frames through the keyframes, played from blank to finished."""
        ...

    def details(self) -> dict:
        """For the manifest: where it ran, the memory plan and why, the peak GPU memory."""
        ...

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
