"""The multi-frame model's video VAE."""

from paintsundo.models.video_vae.params import SCALE_FACTOR, VideoVAEParams
from paintsundo.models.video_vae.vae import VideoVAE, end_frame_features

__all__ = ["SCALE_FACTOR", "VideoVAE", "VideoVAEParams", "end_frame_features"]
