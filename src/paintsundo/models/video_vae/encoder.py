"""The per-frame encoder, which also hands its per-level features to the decoder."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from paintsundo.models.video_vae.layers import Downsample, ResnetBlock, SpatialAttention, group_norm
from paintsundo.models.video_vae.params import VideoVAEParams


class Encoder(nn.Module):
    def __init__(self, p: VideoVAEParams) -> None:
        super().__init__()
        self.conv_in = nn.Conv2d(p.in_channels, p.ch, 3, padding=1)
        self.down = nn.ModuleList()
        channels, resolution = p.ch, p.resolution
        for level, mult in enumerate(p.ch_mult):
            stage = nn.Module()
            stage.block = nn.ModuleList()
            stage.attn = nn.ModuleList()
            for _ in range(p.num_res_blocks):
                stage.block.append(ResnetBlock(channels, p.ch * mult))
                channels = p.ch * mult
                if resolution in p.attn_resolutions:
                    stage.attn.append(SpatialAttention(channels))
            if level != len(p.ch_mult) - 1:
                stage.downsample = Downsample(channels)
                resolution //= 2
            self.down.append(stage)
        self.mid = nn.Module()
        self.mid.block_1 = ResnetBlock(channels, channels)
        self.mid.attn_1 = SpatialAttention(channels)
        self.mid.block_2 = ResnetBlock(channels, channels)
        self.norm_out = group_norm(channels)
        self.conv_out = nn.Conv2d(channels, 2 * p.z_channels if p.double_z else p.z_channels, 3, padding=1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """Moments (b 2z h w), and the features after each level plus after conv_in."""
        first = h = self.conv_in(x)
        features = []
        for stage in self.down:
            for index, block in enumerate(stage.block):
                h = block(h)
                if len(stage.attn):
                    h = stage.attn[index](h)
            features.append(h)
            if hasattr(stage, "downsample"):
                h = stage.downsample(h)
        features.append(first)
        h = self.mid.block_2(self.mid.attn_1(self.mid.block_1(h)))
        return self.conv_out(F.silu(self.norm_out(h))), features
