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

from paintsundo.models.group_norm import GroupNorm


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
            shape = (len(x), *piece.shape[1:])
            out = torch.empty(shape, dtype=piece.dtype, device=piece.device, memory_format=layout_of(piece))
        out[start : start + chunk] = piece
    return out


def layout_of(x: torch.Tensor) -> torch.memory_format:
    """channels_last for a channels-last (b t) c h w tensor (compiled decoders keep them), else
    contiguous."""
    if x.ndim == 4 and not x.is_contiguous() and x.is_contiguous(memory_format=torch.channels_last):
        return torch.channels_last
    return torch.contiguous_format


def rows_for(height: int, frames: int, chunk: int) -> int:
    """Rows per slice of a temporal block that hold about as much as `chunk` frames."""
    return max(1, -(-height * chunk // frames))


def row_slices(height: int, rows: int) -> list[slice]:
    return [slice(start, start + rows) for start in range(0, height, rows)]


def normalise(x: torch.Tensor, scale: torch.Tensor, shift: torch.Tensor) -> torch.Tensor:
    """x * scale + shift, computed in float32 and written in x's dtype and layout by one kernel."""
    return torch.addcmul(shift, x, scale, out=torch.empty_like(x))


def temporal_residual(
    x: torch.Tensor,  # b c t h w
    in_layers: nn.Sequential,  # GroupNorm (ours), SiLU, Conv3d
    out_layers: nn.Sequential,  # GroupNorm (ours), SiLU, Dropout, Conv3d
    rows: int,
) -> torch.Tensor:
    """out_layers(in_layers(x)), computed `rows` rows at a time: b c t h w."""
    norm_in, conv_in = in_layers[0], in_layers[2]
    norm_out, conv_out = out_layers[0], out_layers[-1]
    assert isinstance(norm_in, GroupNorm) and isinstance(norm_out, GroupNorm)
    scale, shift = norm_in.scale_shift(x)
    hidden = torch.empty_like(x)  # the time stack keeps its width; empty_like keeps x's layout
    for part in row_slices(x.shape[-2], rows):
        hidden[..., part, :] = conv_in(F.silu(normalise(x[..., part, :], scale, shift), inplace=True))
    scale, shift = norm_out.scale_shift(hidden)
    for part in row_slices(x.shape[-2], rows):
        # Each slice only reads its own rows, so the result can overwrite `hidden` in place.
        hidden[..., part, :] = conv_out(F.silu(normalise(hidden[..., part, :], scale, shift), inplace=True))
    return hidden
