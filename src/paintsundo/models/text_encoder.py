"""CLIP text encoders (SD1.5's ViT-L with its last layer removed, and SD2.1's OpenCLIP-H) as transformers
models, with the tensor names the release was saved with (`text_model.` prefix)."""

from __future__ import annotations

import torch
from torch import nn
from transformers import CLIPTextConfig, CLIPTextModel


class ClipTextEncoder(nn.Module):
    def __init__(self, config: CLIPTextConfig) -> None:
        super().__init__()
        model = CLIPTextModel(config)
        # transformers 4 nests the transformer under `text_model`; transformers 5 is the transformer itself.
        self.text_model = getattr(model, "text_model", model)

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        """Token ids b n -> last hidden states b n c."""
        return self.text_model(input_ids=input_ids).last_hidden_state
