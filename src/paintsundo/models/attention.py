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
