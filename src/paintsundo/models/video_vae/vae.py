"""The multi-frame model's video VAE: ToonCrafter's anime autoencoder with a temporal decoder."""

from __future__ import annotations

import torch
from einops import rearrange
from torch import nn

from paintsundo.models.video_vae.decoder import VideoDecoder
from paintsundo.models.video_vae.encoder import Encoder
from paintsundo.models.video_vae.params import SCALE_FACTOR, VideoVAEParams


class VideoVAE(nn.Module):
    def __init__(self, params: VideoVAEParams) -> None:
        super().__init__()
        self.params = params
        self.encoder = Encoder(params)
        self.decoder = VideoDecoder(params)
        self.quant_conv = nn.Conv2d(2 * params.z_channels, 2 * params.z_channels, 1)
        # Kept because the checkpoint holds it; decoding with reference features never uses it.
        self.post_quant_conv = nn.Conv2d(params.z_channels, params.z_channels, 1)

    def encode(self, frames: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """Frames (b t) 3 h w in [-1, 1] -> scaled latent means (b t) z h/8 w/8, encoder features."""
        h, features = self.encoder(frames)
        mean, _ = self.quant_conv(h).chunk(2, dim=1)
        return mean * SCALE_FACTOR, features

    def decode(
        self, latents: torch.Tensor, reference: list[torch.Tensor], frames: int, chunk: int | None = None
    ) -> torch.Tensor:
        """Scaled latents (b t) z h w and end-frame features (b c 2 h w per level) -> (b t) 3 H W.

        With `chunk`, videos are decoded one by one, `chunk` frames at a time where layers allow:
        the same result in a fraction of the memory."""
        if chunk is None:
            return self.decoder(latents / SCALE_FACTOR, reference, frames)
        videos = [
            self.decoder(
                latents[index * frames : (index + 1) * frames] / SCALE_FACTOR, level_refs, frames, chunk
            )
            for index, level_refs in enumerate(zip(*(r.split(1) for r in reference), strict=True))
        ]
        return torch.cat(videos)


def end_frame_features(features: list[torch.Tensor], frames: int) -> list[torch.Tensor]:
    """Encoder features of (b t) frames -> the first and last frame's, as b c 2 h w per level."""
    return [rearrange(f, "(b t) c h w -> b c t h w", t=frames)[:, :, [0, -1]] for f in features]
