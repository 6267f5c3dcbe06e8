"""Convolutional blocks of the 3D UNet: residual blocks with temporal convolutions, resampling."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from einops import rearrange
from torch import nn

from paintsundo.models.compiling import DeclaredCalls
from paintsundo.models.group_norm import GroupNorm


def timestep_embedding(timesteps: torch.Tensor, dim: int, max_period: float = 10000.0) -> torch.Tensor:
    """Sinusoidal embedding [cos, sin] of (possibly fractional) steps (Vaswani et al. 2017): b -> b dim."""
    half = dim // 2
    steps = torch.arange(half, dtype=torch.float32, device=timesteps.device)
    angles = timesteps[:, None].float() * torch.exp(-math.log(max_period) * steps / half)[None]
    return torch.cat([torch.cos(angles), torch.sin(angles)], dim=-1)


def embedding_mlp(channels: int, embed_dim: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(channels, embed_dim), nn.SiLU(), nn.Linear(embed_dim, embed_dim))


class TemporalConvBlock(nn.Module):
    """Four (3, 1, 1) convolutions along time, added back to the input (from ModelScope T2V)."""

    def __init__(self, channels: int) -> None:
        super().__init__()

        def conv(dropout: bool) -> nn.Sequential:
            layers = [GroupNorm(32, channels), nn.SiLU()] + ([nn.Dropout(0.0)] if dropout else [])
            return nn.Sequential(*layers, nn.Conv3d(channels, channels, (3, 1, 1), padding=(1, 0, 0)))

        self.conv1, self.conv2, self.conv3, self.conv4 = conv(False), conv(True), conv(True), conv(True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv4(self.conv3(self.conv2(self.conv1(x))))


class ResBlock(DeclaredCalls, nn.Module):
    """GroupNorm-SiLU-conv twice with the time embedding added between, then a temporal conv block."""

    def __init__(self, channels: int, embed_dim: int, out_channels: int, temporal_conv: bool) -> None:
        super().__init__()
        self.in_layers = nn.Sequential(
            GroupNorm(32, channels), nn.SiLU(), nn.Conv2d(channels, out_channels, 3, padding=1)
        )
        self.emb_layers = nn.Sequential(nn.SiLU(), nn.Linear(embed_dim, out_channels))
        self.out_layers = nn.Sequential(
            GroupNorm(32, out_channels),
            nn.SiLU(),
            nn.Dropout(0.0),
            nn.Conv2d(out_channels, out_channels, 3, padding=1),
        )
        self.skip_connection = (
            nn.Identity() if out_channels == channels else nn.Conv2d(channels, out_channels, 1)
        )
        if temporal_conv:
            self.temopral_conv = TemporalConvBlock(out_channels)  # sic: the released tensor name

    def forward(self, x: torch.Tensor, embedding: torch.Tensor, frames: int) -> torch.Tensor:
        h = self.in_layers(x) + self.emb_layers(embedding).to(x.dtype)[..., None, None]
        h = self.skip_connection(x) + self.out_layers(h)
        if hasattr(self, "temopral_conv"):
            h = rearrange(h, "(b t) c h w -> b c t h w", t=frames)
            h = rearrange(self.temopral_conv(h), "b c t h w -> (b t) c h w")
        return h


class Downsample(nn.Module):
    def __init__(self, channels: int) -> None:
        super().__init__()
        self.op = nn.Conv2d(channels, channels, 3, stride=2, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.op(x)


class Upsample(nn.Module):
    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(F.interpolate(x, scale_factor=2, mode="nearest"))
