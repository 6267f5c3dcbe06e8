"""Group normalisation that reads channels-last activations in the order they lie in memory."""

from __future__ import annotations

import torch
from torch import nn

# Pixels that one partial statistic covers: enough to amortise its write, few enough that a large
# tensor gives thousands of them to run in parallel.
PIXELS_PER_PARTIAL = 256


class GroupNorm(nn.GroupNorm):
    """nn.GroupNorm (Wu & He 2018), the same map and parameters, with two ways to its statistics.

    Compiled, on channels-last input, they are taken per channel over runs of pixels first, reading
    whole pixels, and then merged into the groups'. That reads the input once at full speed, where
    Inductor's lowering of nn.GroupNorm reads a group's few channels out of every pixel or, for groups
    that span all 16 frames, leaves most of the GPU idle: 2 to 11 times one read of the tensor for the
    statistics (docs/performance.md). Eager, PyTorch's own kernel is faster.

    `scale_shift` gives the norm as x * scale + shift, so that a tensor too large to normalise whole
    can be normalised a slice at a time with statistics of all of it (the video decoder's chunks)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not torch.compiler.is_compiling() or not channels_last(x):
            return super().forward(x)
        scale, shift = self.scale_shift(x)
        return (x * scale + shift).to(x.dtype)

    def scale_shift(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """This norm over all of x (b c ...) as x * scale + shift per sample and channel: b c 1 ...,
        in float32 (or x's dtype if wider). No gradients: the eager sums write no autograd graph."""
        weight, bias = self.weight.detach(), self.bias.detach()
        if torch.compiler.is_compiling() and channels_last(x):
            return partial_statistics(x, self.num_groups, weight, bias, self.eps)
        return upcast_statistics(x, self.num_groups, weight, bias, self.eps)


def channels_last(x: torch.Tensor) -> bool:
    """Whether x's channels (dimension 1) are its innermost, contiguous dimension."""
    return x.stride(1) == 1 and x.movedim(1, -1).is_contiguous()


def partial_statistics(
    x: torch.Tensor,  # b c ..., channels-last
    groups: int,
    weight: torch.Tensor | None,
    bias: torch.Tensor | None,
    eps: float,
) -> tuple[torch.Tensor, torch.Tensor]:
    """GroupNorm's scale and shift from per-channel partial statistics over runs of pixels, each read
    as a whole pixel, merged per group: b c 1 ... (one 1 per pixel dimension)."""
    precision = torch.promote_types(x.dtype, torch.float32)
    batch, channels = x.shape[:2]
    pixels = x[0, 0].numel()
    rows = largest_divisor(pixels, PIXELS_PER_PARTIAL)
    tokens = x.movedim(1, -1).reshape(batch, pixels // rows, rows, channels)  # b k s c, a view
    variance, mean = torch.var_mean(tokens.to(precision), dim=2, correction=0)  # b k c
    # Each channel sums its whole group's partials itself, so that the statistics come out per
    # channel: compiled, normalising then reads one value per channel instead of indexing groups,
    # which made that kernel a third slower.
    size = channels // groups
    spread = (batch, pixels // rows, groups, size, size)  # b k g j i: channel j gathers partial i
    variance, mean = (t.unflatten(2, (groups, size)).unsqueeze(3).expand(spread) for t in (variance, mean))
    per_part = 1.0 / (spread[1] * size)
    group_mean = mean.sum(dim=(1, 4), keepdim=True) * per_part  # b 1 g j 1
    # The parts hold equal counts: the group's variance is the mean of their variances plus the
    # variance of their means, taken about the group's mean so that nothing cancels.
    group_variance = (variance + (mean - group_mean).square()).sum(dim=(1, 4)) * per_part  # b g j
    return scale_and_shift(
        group_mean.reshape(batch, channels),
        group_variance.reshape(batch, channels),
        weight,
        bias,
        eps,
        pixel_dims=x.ndim - 2,
    )


def upcast_statistics(
    x: torch.Tensor, groups: int, weight: torch.Tensor, bias: torch.Tensor, eps: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """GroupNorm's scale and shift from sums over each group that upcast as they read, so that x is
    never copied to float32 (in any layout): b c 1 ..."""
    grouped = x.unflatten(1, (groups, -1))  # b g c/g ...
    dims = tuple(range(2, grouped.ndim))
    count = grouped[0, 0].numel()
    mean = grouped.sum(dims, dtype=torch.float32) / count
    variance = (
        torch.linalg.vector_norm(grouped, dim=dims, dtype=torch.float32).square() / count - mean.square()
    )
    repeats = x.shape[1] // groups
    mean, variance = (t.repeat_interleave(repeats, dim=1) for t in (mean, variance))  # b c
    return scale_and_shift(mean, variance, weight, bias, eps, x.ndim - 2)


def scale_and_shift(
    mean: torch.Tensor,  # b c: each channel's group mean
    variance: torch.Tensor,  # b c
    weight: torch.Tensor | None,
    bias: torch.Tensor | None,
    eps: float,
    pixel_dims: int,
) -> tuple[torch.Tensor, torch.Tensor]:
    """GroupNorm from per-channel statistics, as x * scale + shift: b c 1 ... (pixel_dims ones), in the
    statistics' dtype."""
    scale = torch.rsqrt(variance + eps)
    if weight is not None:
        scale = scale * weight.to(scale.dtype)
    shift = -mean * scale
    if bias is not None:
        shift = shift + bias.to(scale.dtype)
    shape = (*scale.shape, *(1,) * pixel_dims)
    return scale.view(shape), shift.view(shape)


def largest_divisor(number: int, limit: int) -> int:
    """The largest divisor of `number` that is at most `limit`."""
    return next(d for d in range(min(number, limit), 0, -1) if number % d == 0)
