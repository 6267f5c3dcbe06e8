"""Decoding a video in slices to bound memory, with the same arithmetic as decoding it whole.

Per-frame layers run a few frames at a time. The temporal blocks mix all frames, but only along time
(their convolutions are 3x1x1), so they run a few rows at a time, with their GroupNorm statistics
gathered over the whole video first.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn


def by_frames(
    layer: Callable[[torch.Tensor], torch.Tensor],
    x: torch.Tensor,
    chunk: int | None,
    out: torch.Tensor | None = None,
) -> torch.Tensor:
    """layer over (b t) c h w, `chunk` frames at a time (all at once when chunk is None). The slices
    are written into `out` if given, which may be x itself: each slice is read before it is replaced."""
    if chunk is None or chunk >= len(x):
        return layer(x)
    for start in range(0, len(x), chunk):
        piece = layer(x[start : start + chunk])
        if out is None:
            out = piece.new_empty(len(x), *piece.shape[1:])
        out[start : start + chunk] = piece
    return out


def rows_for(height: int, frames: int, chunk: int) -> int:
    """Rows per slice of a temporal block that hold about as much as `chunk` frames."""
    return max(1, -(-height * chunk // frames))


def row_slices(height: int, rows: int) -> list[slice]:
    return [slice(start, start + rows) for start in range(0, height, rows)]


def group_statistics(x: torch.Tensor, groups: int, rows: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean and variance per (sample, group) of b c t h w, in float32, read a few rows at a time."""
    total = torch.zeros(len(x), groups, device=x.device)
    squares = torch.zeros_like(total)
    for part in row_slices(x.shape[-2], rows):
        piece = x[..., part, :].float().reshape(len(x), groups, -1)
        total += piece.sum(-1)
        squares += piece.square().sum(-1)
    count = x[0].numel() // groups
    mean = total / count
    return mean, squares / count - mean.square()


def normalise(
    x: torch.Tensor, norm: nn.GroupNorm, mean: torch.Tensor, variance: torch.Tensor
) -> torch.Tensor:
    """GroupNorm of a slice of b c t h w with statistics of the whole tensor."""
    batch, channels = x.shape[:2]
    grouped = x.float().reshape(batch, norm.num_groups, -1)
    scaled = (grouped - mean[..., None]) * torch.rsqrt(variance[..., None] + norm.eps)
    shape = (1, channels) + (1,) * (x.ndim - 2)
    return (scaled.reshape(x.shape) * norm.weight.float().view(shape) + norm.bias.float().view(shape)).to(
        x.dtype
    )


def temporal_residual(
    x: torch.Tensor,  # b c t h w
    in_layers: nn.Sequential,  # GroupNorm, SiLU, Conv3d
    out_layers: nn.Sequential,  # GroupNorm, SiLU, Dropout, Conv3d
    rows: int,
) -> torch.Tensor:
    """out_layers(in_layers(x)), computed `rows` rows at a time: b c t h w."""
    norm_in, conv_in = in_layers[0], in_layers[2]
    norm_out, conv_out = out_layers[0], out_layers[-1]
    mean, variance = group_statistics(x, norm_in.num_groups, rows)
    hidden = torch.empty(x.shape[0], conv_in.out_channels, *x.shape[2:], device=x.device, dtype=x.dtype)
    for part in row_slices(x.shape[-2], rows):
        hidden[..., part, :] = conv_in(F.silu(normalise(x[..., part, :], norm_in, mean, variance)))
    mean, variance = group_statistics(hidden, norm_out.num_groups, rows)
    for part in row_slices(x.shape[-2], rows):
        # Each slice only reads its own rows, so the result can overwrite `hidden` in place.
        hidden[..., part, :] = conv_out(F.silu(normalise(hidden[..., part, :], norm_out, mean, variance)))
    return hidden
