"""Multi-head attention on (batch, tokens, heads * dim) tensors through PyTorch's SDPA kernels."""

import contextlib
from collections.abc import Mapping, Sequence

import torch
import torch.nn.functional as F
from einops import rearrange
from torch.nn.attention import SDPBackend, sdpa_kernel

# SDPA kernels to try first, by kind of attention ("pixels", "time"); the math kernel comes last.
KernelOrder = Mapping[str, Sequence[SDPBackend]]

# A sequence along time is 16 tokens, too short to fill an attention kernel's tiles. This many
# positions' sequences go through as one sequence, masked so that no position sees another's frames:
# the kernels then take 40% of the time on an H100 (docs/performance.md). Where the positions
# do not divide into such packs (the middle block's 6x7), each is its own sequence: pairs changed
# nothing worth having there (0.01 ms a call either way, eager or compiled).
POSITIONS_PER_SEQUENCE = 4


def multi_head_attention(
    query: torch.Tensor, key: torch.Tensor, value: torch.Tensor, heads: int
) -> torch.Tensor:
    """softmax(q k^T / sqrt(d)) v per head; inputs and output are b n (h d)."""
    query, key, value = (rearrange(t, "b n (h d) -> b h n d", h=heads) for t in (query, key, value))
    out = F.scaled_dot_product_attention(query, key, value)
    return rearrange(out, "b h n d -> b n (h d)")


def attention_along_time(
    query: torch.Tensor, key: torch.Tensor, value: torch.Tensor, heads: int
) -> torch.Tensor:
    """Multi-head attention over t at each position p; inputs and output b p t (h d).

    A few positions' frames make one masked sequence, a view of the tokens: their sequences are
    adjacent in memory."""
    batch, positions, frames = query.shape[:3]
    packed = POSITIONS_PER_SEQUENCE if positions % POSITIONS_PER_SEQUENCE == 0 else 1
    query, key, value = (
        rearrange(t, "b (g p) t (h d) -> (b g) h (p t) d", p=packed, h=heads) for t in (query, key, value)
    )
    mask = same_position(frames, packed, query.device) if packed > 1 else None
    out = F.scaled_dot_product_attention(query, key, value, attn_mask=mask)
    return rearrange(out, "(b g) h (p t) d -> b (g p) t (h d)", b=batch, p=packed)


def same_position(frames: int, positions: int, device: torch.device) -> torch.Tensor:
    """(p t) x (p t) booleans: True where the query and the key are frames of one position."""
    position = torch.arange(positions * frames, device=device) // frames
    return position[:, None] == position[None]


def under_kernels(kernels: Sequence[SDPBackend] | None):
    """A context in which SDPA tries `kernels` first, then the math kernel; None keeps PyTorch's
    own order. A kernel that cannot run a call (an older GPU, the CPU) passes it to the next."""
    if kernels is None:
        return contextlib.nullcontext()
    return sdpa_kernel([*kernels, SDPBackend.MATH], set_priority=True)
