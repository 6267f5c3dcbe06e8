"""Spatial and temporal transformers of the 3D UNet (VideoCrafter family, edited for Paints-UNDO)."""

from __future__ import annotations

from functools import partial

import torch
import torch.nn.functional as F
from einops import rearrange
from torch import nn

from paintsundo.models.attention import attention_along_time, multi_head_attention, under_kernels
from paintsundo.models.compiling import DeclaredCalls
from paintsundo.models.group_norm import GroupNorm

TEMPORAL_WINDOWS = ("prv", "first", "roll")


def temporal_window(tokens: torch.Tensor, frames: int, mode: str) -> torch.Tensor:
    """Extend each frame's keys or values with another frame's: (b t) n c -> (b t) (k n) c."""
    per_frame = rearrange(tokens, "(b t) n c -> b t n c", t=frames)
    if mode == "prv":
        others = [torch.cat([per_frame[:, :1], per_frame[:, :-1]], dim=1)]
    elif mode == "first":
        others = [per_frame[:, :1].expand_as(per_frame)]
    elif mode == "roll":
        return rearrange(
            torch.cat([per_frame.roll(1, dims=1), per_frame, per_frame.roll(-1, dims=1)], dim=2),
            "b t n c -> (b t) n c",
        )
    else:
        raise ValueError(f"unknown temporal window {mode!r}")
    return rearrange(torch.cat([per_frame, *others], dim=2), "b t n c -> (b t) n c")


class CrossAttention(nn.Module):
    """Self- or cross-attention; with image cross-attention it adds a second, image-token branch.
    along_time: self-attention over the frames of b p t c tokens, instead of over the n of b n c."""

    def __init__(
        self,
        query_dim: int,
        heads: int,
        dim_head: int,
        context_dim: int | None = None,
        image_cross_attention: bool = False,
        learnable_image_scale: bool = False,
        along_time: bool = False,
        temporal_window: str | None = None,
    ) -> None:
        super().__init__()
        if temporal_window not in (None, *TEMPORAL_WINDOWS):
            raise ValueError(
                f"unknown temporal window {temporal_window!r}: choose from {', '.join(TEMPORAL_WINDOWS)}"
            )
        inner, context_dim = heads * dim_head, context_dim or query_dim
        self.heads = heads
        self.along_time = along_time
        self.to_q = nn.Linear(query_dim, inner, bias=False)
        self.to_k = nn.Linear(context_dim, inner, bias=False)
        self.to_v = nn.Linear(context_dim, inner, bias=False)
        self.to_out = nn.Sequential(nn.Linear(inner, query_dim), nn.Dropout(0.0))
        self.image_cross_attention = image_cross_attention
        if image_cross_attention:
            self.to_k_ip = nn.Linear(context_dim, inner, bias=False)
            self.to_v_ip = nn.Linear(context_dim, inner, bias=False)
            if learnable_image_scale:
                self.alpha = nn.Parameter(torch.zeros(()))
        self.temporal_window = temporal_window  # for spatial self-attention: None, or a mode

    def forward(
        self, x: torch.Tensor, context: tuple[torch.Tensor, torch.Tensor] | None = None, frames: int = 1
    ) -> torch.Tensor:
        query = self.to_q(x)
        if context is None:
            key, value = self.to_k(x), self.to_v(x)
            if self.temporal_window is not None:
                key, value = (temporal_window(t, frames, self.temporal_window) for t in (key, value))
            attend = attention_along_time if self.along_time else multi_head_attention
            return self.to_out(attend(query, key, value, self.heads))
        text, image = context
        out = multi_head_attention(query, self.to_k(text), self.to_v(text), self.heads)
        image_out = multi_head_attention(query, self.to_k_ip(image), self.to_v_ip(image), self.heads)
        scale = torch.tanh(self.alpha) + 1 if hasattr(self, "alpha") else 1.0
        return self.to_out(out + image_out * scale)


class GEGLU(nn.Module):
    """Gated GELU projection (Shazeer 2020)."""

    def __init__(self, dim_in: int, dim_out: int) -> None:
        super().__init__()
        self.proj = nn.Linear(dim_in, dim_out * 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x, gate = self.proj(x).chunk(2, dim=-1)
        # The product goes into the GELU's output, not a third tensor of the block's largest size
        # (440 MB a time at 2 segments of the default video), which set eager sampling's peak.
        return F.gelu(gate).mul_(x)


class FeedForward(nn.Module):
    def __init__(self, dim: int, mult: int = 4) -> None:
        super().__init__()
        self.net = nn.Sequential(GEGLU(dim, dim * mult), nn.Dropout(0.0), nn.Linear(dim * mult, dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class TransformerBlock(nn.Module):
    """Self-attention, then cross-attention (or a second self-attention), then a GEGLU MLP."""

    def __init__(
        self, dim: int, heads: int, dim_head: int, cross: CrossAttention, temporal_window: str | None = None
    ) -> None:
        super().__init__()
        self.attn1 = CrossAttention(
            dim, heads, dim_head, along_time=cross.along_time, temporal_window=temporal_window
        )
        self.ff = FeedForward(dim)
        self.attn2 = cross
        self.norm1, self.norm2, self.norm3 = nn.LayerNorm(dim), nn.LayerNorm(dim), nn.LayerNorm(dim)

    def forward(self, x: torch.Tensor, context: tuple | None = None, frames: int = 1) -> torch.Tensor:
        x = self.attn1(self.norm1(x), frames=frames) + x
        x = self.attn2(self.norm2(x), context, frames=frames) + x
        return self.ff(self.norm3(x)) + x


class SpatialTransformer(DeclaredCalls, nn.Module):
    """Attention over the pixels of each frame, with text and image cross-attention. x: (b t) c h w."""

    attention_kind = "pixels"  # which SDPA kernel order suits it (UNet3D.enable_attention_kernels)

    def __init__(
        self,
        channels: int,
        heads: int,
        dim_head: int,
        depth: int,
        context_dim: int,
        learnable_image_scale: bool,
        temporal_window: str | None = None,
    ) -> None:
        super().__init__()
        inner = heads * dim_head
        self.norm = GroupNorm(32, channels, eps=1e-6)
        self.proj_in = nn.Linear(channels, inner)
        self.transformer_blocks = nn.ModuleList(
            TransformerBlock(
                inner,
                heads,
                dim_head,
                CrossAttention(
                    inner,
                    heads,
                    dim_head,
                    context_dim,
                    image_cross_attention=True,
                    learnable_image_scale=learnable_image_scale,
                ),
                temporal_window,
            )
            for _ in range(depth)
        )
        self.proj_out = nn.Linear(inner, channels)
        self.sdpa_kernels = None  # the kernels to try first, or None for PyTorch's order

    def forward(
        self, x: torch.Tensor, context: tuple[torch.Tensor, torch.Tensor], frames: int
    ) -> torch.Tensor:
        height, width = x.shape[-2:]
        h = self.proj_in(rearrange(self.norm(x), "b c h w -> b (h w) c"))
        with under_kernels(self.sdpa_kernels):
            for block in self.transformer_blocks:
                h = block(h, context, frames)
        return rearrange(self.proj_out(h), "b (h w) c -> b c h w", h=height, w=width) + x


class TemporalTransformer(DeclaredCalls, nn.Module):
    """Self-attention along time at each pixel. x: b c t h w.

    Its tokens are b (h w) t c, each pixel's frames together: attention then packs a few pixels'
    sequences into one (models/attention.py). Compiled, the reordering rides on the normalisation
    and the final sum, which read and write every element anyway.

    The released model's initial temporal attention projects with 1x1 Conv1d layers (`linear=False`),
    all others with Linear layers; both compute the same map, stored in different shapes.
    """

    attention_kind = "time"

    def __init__(self, channels: int, heads: int, dim_head: int, depth: int, linear: bool = True) -> None:
        super().__init__()
        inner = heads * dim_head
        projection = nn.Linear if linear else partial(nn.Conv1d, kernel_size=1)
        self.norm = GroupNorm(32, channels, eps=1e-6)
        self.proj_in = projection(channels, inner)
        self.transformer_blocks = nn.ModuleList(
            TransformerBlock(inner, heads, dim_head, CrossAttention(inner, heads, dim_head, along_time=True))
            for _ in range(depth)
        )
        self.proj_out = projection(inner, channels)
        self.sdpa_kernels = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        height, width = x.shape[-2:]
        h = _project(self.proj_in, rearrange(self.norm(x), "b c t h w -> b (h w) t c"))
        with under_kernels(self.sdpa_kernels):
            for block in self.transformer_blocks:
                h = block(h)
        h = rearrange(_project(self.proj_out, h), "b (h w) t c -> b c t h w", h=height, w=width)
        # x first: the sum takes its memory layout.
        return x + h


def _project(layer: nn.Module, tokens: torch.Tensor) -> torch.Tensor:
    """Apply a Linear, or a 1x1 Conv1d (the same map), to ... c tokens."""
    if isinstance(layer, nn.Conv1d):
        return F.linear(tokens, layer.weight[..., 0], layer.bias)
    return layer(tokens)
