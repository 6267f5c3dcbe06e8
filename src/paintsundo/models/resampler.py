"""The image projection: a perceiver resampler from two frames' CLIP tokens to tokens per video frame.

Perceiver-style latent queries (Jaegle et al. 2021), as in IP-Adapter and ToonCrafter; the
Paints-UNDO variant reads two frames and emits `num_queries` tokens for each of `video_length` frames.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from einops import rearrange
from torch import nn

from paintsundo.config_fields import from_known_fields
from paintsundo.models.attention import multi_head_attention


@dataclass(frozen=True)
class ResamplerParams:
    dim: int = 1024
    depth: int = 4
    dim_head: int = 64
    heads: int = 12
    num_queries: int = 16
    embedding_dim: int = 1280
    output_dim: int = 1024
    ff_mult: int = 4
    video_length: int = 16
    input_frames_length: int = 2

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> ResamplerParams:
        return from_known_fields(cls, config)


class PerceiverAttention(nn.Module):
    """Latent queries attend to the image tokens and to themselves."""

    def __init__(self, dim: int, dim_head: int, heads: int) -> None:
        super().__init__()
        self.heads = heads
        inner = dim_head * heads
        self.norm1 = nn.LayerNorm(dim)
        self.norm2 = nn.LayerNorm(dim)
        self.to_q = nn.Linear(dim, inner, bias=False)
        self.to_kv = nn.Linear(dim, inner * 2, bias=False)
        self.to_out = nn.Linear(inner, dim, bias=False)

    def forward(self, tokens: torch.Tensor, latents: torch.Tensor) -> torch.Tensor:
        tokens, latents = self.norm1(tokens), self.norm2(latents)
        key, value = self.to_kv(torch.cat([tokens, latents], dim=1)).chunk(2, dim=-1)
        return self.to_out(multi_head_attention(self.to_q(latents), key, value, self.heads))


def feed_forward(dim: int, mult: int) -> nn.Sequential:
    return nn.Sequential(
        nn.LayerNorm(dim),
        nn.Linear(dim, dim * mult, bias=False),
        nn.GELU(),
        nn.Linear(dim * mult, dim, bias=False),
    )


class Resampler(nn.Module):
    def __init__(self, params: ResamplerParams) -> None:
        super().__init__()
        self.params = params
        p = params
        self.latents = nn.Parameter(torch.randn(1, p.num_queries * p.video_length, p.dim) / p.dim**0.5)
        self.input_pos = nn.Parameter(torch.zeros(1, p.input_frames_length, 1, p.embedding_dim))
        self.proj_in = nn.Linear(p.embedding_dim, p.dim)
        self.proj_out = nn.Linear(p.dim, p.output_dim)
        self.norm_out = nn.LayerNorm(p.output_dim)
        self.layers = nn.ModuleList(
            nn.ModuleList([PerceiverAttention(p.dim, p.dim_head, p.heads), feed_forward(p.dim, p.ff_mult)])
            for _ in range(p.depth)
        )

    def forward(self, image_tokens: torch.Tensor) -> torch.Tensor:
        """b frames tokens c -> b video_length num_queries output_dim."""
        tokens = rearrange(image_tokens + self.input_pos, "b f n c -> b (f n) c")
        tokens = self.proj_in(tokens)
        latents = self.latents.expand(len(image_tokens), -1, -1)
        for attention, ff in self.layers:
            latents = attention(tokens, latents) + latents
            latents = ff(latents) + latents
        latents = self.norm_out(self.proj_out(latents))
        return rearrange(latents, "b (t n) c -> b t n c", t=self.params.video_length)
