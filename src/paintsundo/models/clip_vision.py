"""CLIP ViT-H vision encoder for pictures of any aspect ratio (matches the reference app).

Input is in [-1, 1]. The picture is resized so that its short side is 16 patches, and the 16x16
grid of learned position embeddings is resized to the patch grid by nearest neighbour.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from einops import rearrange
from transformers import CLIPVisionConfig, CLIPVisionModelWithProjection
from transformers.models.clip.modeling_clip import CLIPVisionEmbeddings

CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)
GRID = 16  # the position grid CLIP was trained with: 224 / 14


class AnyAspectEmbeddings(CLIPVisionEmbeddings):
    def forward(self, pixel_values: torch.Tensor, interpolate_pos_encoding: bool = False) -> torch.Tensor:
        pixels = _resize_and_normalise(pixel_values * 0.5 + 0.5, self.patch_size)
        patches = self.patch_embedding(pixels.to(self.patch_embedding.weight.dtype))  # b c h w
        height, width = patches.shape[-2:]
        patches = rearrange(patches, "b c h w -> b (h w) c")
        cls = self.class_embedding.expand(len(patches), 1, -1)
        return torch.cat([cls, patches], dim=1) + self._positions(height, width)

    def _positions(self, height: int, width: int) -> torch.Tensor:
        table = self.position_embedding.weight
        grid = rearrange(table[1:], "(h w) c -> 1 c h w", h=GRID, w=GRID)
        grid = F.interpolate(grid, size=(height, width), mode="nearest")
        return torch.cat([table[:1], rearrange(grid, "1 c h w -> (h w) c")])[None]


def _resize_and_normalise(pixels: torch.Tensor, patch: int) -> torch.Tensor:
    """Short side to 16 patches (bicubic, antialiased), then CLIP's mean and std."""
    scale = GRID / min(pixels.shape[-2:])
    size = (patch * round(scale * pixels.shape[-2]), patch * round(scale * pixels.shape[-1]))
    pixels = F.interpolate(pixels, size=size, mode="bicubic", antialias=True)
    mean = pixels.new_tensor(CLIP_MEAN)[None, :, None, None]
    std = pixels.new_tensor(CLIP_STD)[None, :, None, None]
    return (pixels - mean) / std


class AnyAspectClipVision(CLIPVisionModelWithProjection):
    """transformers' CLIP vision model with the any-aspect embeddings; same tensor names."""

    def __init__(self, config: CLIPVisionConfig) -> None:
        super().__init__(config)
        self.vision_model.embeddings = AnyAspectEmbeddings(config)
