"""The single-frame "undo" UNet: SD1.5's UNet with the finished picture's latent concatenated to
the input (8 channels) and the operation step (0..999) embedded like SDXL's extra embeddings.

diffusers' "text_time" addition embedding with empty text embeddings computes exactly
add_embedding(add_time_proj(step)), which the reference adds to the time embedding.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from diffusers import Transformer2DModel, UNet2DConditionModel
from diffusers.models.attention_processor import AttnProcessor2_0
from diffusers.models.resnet import ResnetBlock2D

from paintsundo.models.attention import KernelOrder, under_kernels
from paintsundo.models.compiling import CompiledBlocks

OPERATION_STEP_CHANNELS = 256


@dataclass(frozen=True)
class SingleFrameUNetParams:
    """The released config.json plus the two changes the release makes to it."""

    config: dict[str, Any]
    concat_channels: int = 4

    def diffusers_config(self) -> dict[str, Any]:
        config = {k: v for k, v in self.config.items() if not k.startswith("_")}
        config["in_channels"] = config.get("in_channels", 4) + self.concat_channels
        config.update(
            addition_embed_type="text_time",
            addition_time_embed_dim=OPERATION_STEP_CHANNELS,
            projection_class_embeddings_input_dim=OPERATION_STEP_CHANNELS,
        )
        return config


class PreferredKernels(AttnProcessor2_0):
    """diffusers' SDPA attention, under an SDPA kernel order."""

    def __init__(self, kernels: tuple) -> None:
        super().__init__()
        self.kernels = kernels

    def __call__(self, *args: Any, **kwargs: Any) -> torch.Tensor:
        with under_kernels(self.kernels):
            return super().__call__(*args, **kwargs)


class SingleFrameUNet(CompiledBlocks, UNet2DConditionModel):
    compiled_blocks = (ResnetBlock2D, Transformer2DModel)  # one by one, as UNet3D's

    def enable_attention_kernels(self, order: KernelOrder | None) -> None:
        """Run attention (all of it over pixels and text) under the SDPA kernel order for pixels,
        through diffusers' attention processors; None gives diffusers' own processor back."""
        self.set_attn_processor(
            AttnProcessor2_0() if order is None else PreferredKernels(tuple(order["pixels"]))
        )

    def undo(
        self,
        sample: torch.Tensor,
        timestep: torch.Tensor,
        encoder_hidden_states: torch.Tensor,
        concat_conds: torch.Tensor,
        operation_steps: torch.Tensor,
    ) -> torch.Tensor:
        """Predicted noise; concat_conds (1 c h w) and operation_steps repeat over the batch."""
        batch = len(sample)
        concat = concat_conds.repeat(batch // len(concat_conds), 1, 1, 1).to(sample)
        steps = operation_steps.repeat(batch // len(operation_steps)).to(sample.device)
        extra = {"text_embeds": sample.new_zeros(batch, 0), "time_ids": steps[:, None]}
        return self(
            torch.cat([sample, concat], dim=1), timestep, encoder_hidden_states, added_cond_kwargs=extra
        ).sample
