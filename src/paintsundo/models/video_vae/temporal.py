"""The decoder's temporal parts (ToonCrafter's video VAE): time-mixing residual blocks and the
refinement that lets every frame attend to the first and last frame's encoder features."""

from __future__ import annotations

import functools

import torch
from einops import rearrange, repeat
from torch import nn

from paintsundo.models.attention import multi_head_attention
from paintsundo.models.compiling import DeclaredCalls
from paintsundo.models.group_norm import GroupNorm
from paintsundo.models.video_vae.chunks import by_frames, rows_for, temporal_residual
from paintsundo.models.video_vae.layers import ResnetBlock, group_norm

TIME_KERNEL = (3, 1, 1)
TIME_PADDING = (1, 0, 0)


class TimeStackBlock(nn.Module):
    """A residual block of (3, 1, 1) convolutions along time. Its norms use GroupNorm's default eps."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.in_layers = nn.Sequential(
            GroupNorm(32, channels),
            nn.SiLU(),
            nn.Conv3d(channels, channels, TIME_KERNEL, padding=TIME_PADDING),
        )
        self.out_layers = nn.Sequential(
            GroupNorm(32, channels),
            nn.SiLU(),
            nn.Dropout(0.0),
            nn.Conv3d(channels, channels, TIME_KERNEL, padding=TIME_PADDING),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.out_layers(self.in_layers(x))


class VideoResBlock(DeclaredCalls, ResnetBlock):
    """A per-frame residual block blended with a temporal one by a learned factor."""

    compiled_methods = ("frame_step",)  # the per-frame work, compiled alone; the loops around stay eager

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__(in_channels, out_channels)
        self.time_stack = TimeStackBlock(out_channels)
        self.mix_factor = nn.Parameter(torch.zeros(1))

    def forward(
        self, x: torch.Tensor, frames: int, chunk: int | None = None, before: nn.Module | None = None
    ) -> torch.Tensor:
        """`before` (an upsampling) runs on each chunk first, so its larger output is never whole.
        With chunks, the result may take x's memory (x is overwritten): in the decoder's full-resolution
        blocks, a third video-sized tensor would set the peak."""
        frame_step = self.declared_call("frame_step")
        step = frame_step if before is None else functools.partial(frame_step, before=before)
        reuse = chunk is not None and before is None and not hasattr(self, "nin_shortcut")
        per_frame = by_frames(step, x, chunk, out=x if reuse else None)
        per_frame = rearrange(per_frame, "(b t) c h w -> b c t h w", t=frames)
        alpha = torch.sigmoid(self.mix_factor)
        if chunk is None:
            mixed = alpha * self.time_stack(per_frame) + (1.0 - alpha) * per_frame
            return rearrange(mixed, "b c t h w -> (b t) c h w")
        rows = rows_for(per_frame.shape[-2], frames, chunk)
        residual = temporal_residual(per_frame, self.time_stack.in_layers, self.time_stack.out_layers, rows)
        # alpha (x + r) + (1 - alpha) x = x + alpha r, written into x: no full-size temporaries.
        per_frame.addcmul_(residual, alpha.to(residual.dtype))
        return rearrange(per_frame, "b c t h w -> (b t) c h w")

    def frame_step(self, x: torch.Tensor, before: nn.Module | None = None) -> torch.Tensor:
        """The per-frame residual block on (b t) c h w frames, after `before` if given. A method of its
        own, so that it can be compiled apart from the chunking around it."""
        return ResnetBlock.forward(self, x if before is None else before(x))


class DecoderConv3D(nn.Conv2d):
    """The output convolution, followed by a convolution along time."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__(in_channels, out_channels, 3, padding=1)
        self.time_mix_conv = nn.Conv3d(out_channels, out_channels, TIME_KERNEL, padding=TIME_PADDING)

    def forward(self, x: torch.Tensor, frames: int, chunk: int | None = None) -> torch.Tensor:
        h = rearrange(by_frames(super().forward, x, chunk), "(b t) c h w -> b c t h w", t=frames)
        return rearrange(self.time_mix_conv(h), "b c t h w -> (b t) c h w")


class ConvCombiner(nn.Module):
    """Adds 1x1-convolved first and last reference features to the first and last frames."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 1)

    def forward(self, x: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
        # x: (b t) c h w; reference: b c 2 h w
        refs = rearrange(
            self.conv(rearrange(reference, "b c r h w -> (b r) c h w")),
            "(b r) c h w -> b c r h w",
            b=len(reference),
        )
        frames = rearrange(x, "(b t) c h w -> b c t h w", b=len(reference)).clone()
        frames[:, :, 0] += refs[:, :, 0]
        frames[:, :, -1] += refs[:, :, -1]
        return rearrange(frames, "b c t h w -> (b t) c h w")


class AttentionCombiner(DeclaredCalls, nn.Module):
    """Each frame's pixels attend to all pixels of the reference frames (8 heads of 64)."""

    def __init__(self, channels: int, heads: int = 8, dim_head: int = 64) -> None:
        super().__init__()
        inner = heads * dim_head
        self.heads = heads
        self.to_q = nn.Linear(channels, inner, bias=False)
        self.to_k = nn.Linear(channels, inner, bias=False)
        self.to_v = nn.Linear(channels, inner, bias=False)
        self.to_out = nn.Sequential(nn.Linear(inner, channels), nn.Dropout(0.0))
        self.norm = group_norm(channels)

    def forward(self, x: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
        height, width = x.shape[-2:]
        frames = len(x) // len(reference)
        query = self.to_q(rearrange(self.norm(x), "b c h w -> b (h w) c"))
        context = rearrange(reference, "b c r h w -> b (r h w) c")
        key = repeat(self.to_k(context), "b n c -> (b t) n c", t=frames)
        value = repeat(self.to_v(context), "b n c -> (b t) n c", t=frames)
        out = self.to_out(multi_head_attention(query, key, value, self.heads))
        return x + rearrange(out, "b (h w) c -> b c h w", h=height, w=width)
