"""Multi-head attention on (batch, tokens, heads * dim) tensors through PyTorch's SDPA kernels."""

import torch
import torch.nn.functional as F
from einops import rearrange


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
    """Multi-head attention over t at each position p; inputs and output b t p (h d).

    Tokens stay in the frames' channels-last order: the kernels read each sequence through strides
    (heads of a position are adjacent in memory, so (p h) is one axis), and their output, stored
    sequence-major, reshapes back without a copy."""
    query, key, value = (rearrange(t, "b t p (h d) -> b (p h) t d", h=heads) for t in (query, key, value))
    out = F.scaled_dot_product_attention(query, key, value)
    return rearrange(out, "b (p h) t d -> b t p (h d)", h=heads)
