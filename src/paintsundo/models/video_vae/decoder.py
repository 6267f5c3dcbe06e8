"""The temporal decoder: every block mixes along time, and every level is refined with the encoder
features of the first and last frame."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from paintsundo.models.compiling import CompiledBlocks, DeclaredCalls
from paintsundo.models.video_vae.chunks import by_frames
from paintsundo.models.video_vae.layers import SpatialAttention, Upsample, group_norm
from paintsundo.models.video_vae.params import VideoVAEParams
from paintsundo.models.video_vae.temporal import AttentionCombiner, ConvCombiner, DecoderConv3D, VideoResBlock


class VideoDecoder(CompiledBlocks, DeclaredCalls, nn.Module):
    # Compiled, the per-frame work fuses its GroupNorms with their SiLUs and keeps activations
    # channels-last; the chunk and row loops stay eager, so that memory is freed as it was.
    compiled_blocks = (SpatialAttention, AttentionCombiner)
    compiled_methods = ("output_activation",)

    def __init__(self, p: VideoVAEParams) -> None:
        super().__init__()
        levels = len(p.ch_mult)
        channels = p.ch * p.ch_mult[-1]
        resolution = p.resolution // 2 ** (levels - 1)
        self.conv_in = nn.Conv2d(p.z_channels, channels, 3, padding=1)
        self.mid = nn.Module()
        self.mid.block_1 = VideoResBlock(channels, channels)
        self.mid.attn_1 = SpatialAttention(channels)
        self.mid.block_2 = VideoResBlock(channels, channels)
        self.up = nn.ModuleList()
        self.attn_refinement = nn.ModuleList()
        for level in reversed(range(levels)):
            stage = nn.Module()
            stage.block = nn.ModuleList()
            stage.attn = nn.ModuleList()
            for _ in range(p.num_res_blocks + 1):
                stage.block.append(VideoResBlock(channels, p.ch * p.ch_mult[level]))
                channels = p.ch * p.ch_mult[level]
                if resolution in p.attn_resolutions:
                    stage.attn.append(SpatialAttention(channels))
            if level != 0:
                stage.upsample = Upsample(channels)
                resolution *= 2
            self.up.insert(0, stage)
            combiner = AttentionCombiner if level in p.attention_levels else ConvCombiner
            self.attn_refinement.insert(0, combiner(channels))
        self.norm_out = group_norm(channels)
        self.attn_refinement.append(ConvCombiner(channels))
        self.conv_out = DecoderConv3D(channels, p.out_ch)

    def forward(
        self, z: torch.Tensor, reference: list[torch.Tensor], frames: int, chunk: int | None = None
    ) -> torch.Tensor:
        """z: (b t) c h w latents; reference: per level, b c 2 h w features of the end frames.

        With `chunk`, per-frame layers run that many frames at a time (one video per call)."""
        h = self.conv_in(z)
        h = self.mid.block_1(h, frames, chunk)
        h = self.mid.block_2(by_frames(self.mid.attn_1, h, chunk), frames, chunk)
        upsample = None  # with chunks, upsampling runs inside the next block, a few frames at a time
        for level in reversed(range(len(self.up))):
            stage = self.up[level]
            for index, block in enumerate(stage.block):
                h = block(h, frames, chunk, before=upsample)
                upsample = None
                if len(stage.attn):
                    h = by_frames(stage.attn[index], h, chunk)
            h = self._refine(level, h, reference[level], chunk)
            if hasattr(stage, "upsample"):
                if chunk is None:
                    h = stage.upsample(h)
                else:
                    upsample = stage.upsample
        h = by_frames(self.declared_call("output_activation"), h, chunk)
        h = self.attn_refinement[-1](h, reference[-1])
        return self.conv_out(h, frames, chunk)

    def output_activation(self, x: torch.Tensor) -> torch.Tensor:
        return F.silu(self.norm_out(x))

    def _refine(
        self, level: int, h: torch.Tensor, reference: torch.Tensor, chunk: int | None
    ) -> torch.Tensor:
        combiner = self.attn_refinement[level]
        if isinstance(combiner, AttentionCombiner):  # per frame; a ConvCombiner touches the end frames only
            return by_frames(lambda x: combiner(x, reference), h, chunk)
        return combiner(h, reference)
