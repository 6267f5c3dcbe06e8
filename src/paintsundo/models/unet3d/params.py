"""Hyperparameters of the multi-frame 3D UNet, in the reference's argument names (its config.json)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from paintsundo.config_fields import from_known_fields

# Options the reference code accepts but the released model leaves at these values; only they are built.
FIXED = {
    "dims": 2,
    "conv_resample": True,
    "use_scale_shift_norm": False,
    "resblock_updown": False,
    "use_linear": True,
    "tempspatial_aware": False,
    "use_relative_position": False,
    "use_causal_attention": False,
    "temporal_selfatt_only": True,
}


@dataclass(frozen=True)
class UNet3DParams:
    in_channels: int = 8
    out_channels: int = 4
    model_channels: int = 320
    num_res_blocks: int = 2
    attention_resolutions: tuple[int, ...] = (4, 2, 1)
    channel_mult: tuple[int, ...] = (1, 2, 4, 4)
    dropout: float = 0.1
    context_dim: int = 1024
    num_heads: int = -1
    num_head_channels: int = 64
    transformer_depth: int = 1
    temporal_conv: bool = True
    temporal_attention: bool = True
    temporal_length: int = 16
    addition_attention: bool = True
    image_cross_attention: bool = True
    image_cross_attention_scale_learnable: bool = False
    default_fs: int = 24
    fs_condition: bool = True
    # Not in the release's config: a reference option that lets spatial self-attention also see
    # other frames (None, or a mode of transformers.TEMPORAL_WINDOWS); the conformance cases build it.
    temporal_window: str | None = None

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> UNet3DParams:
        """From a released config.json; refuses options the released model does not use."""
        for name, value in FIXED.items():
            if name in config and config[name] != value:
                raise ValueError(
                    f"unsupported 3D UNet option {name}={config[name]!r} (the release uses {value!r})"
                )
        return from_known_fields(cls, config)

    def heads_for(self, channels: int) -> tuple[int, int]:
        """(heads, head dim) for attention over `channels` channels."""
        if self.num_head_channels == -1:
            return self.num_heads, channels // self.num_heads
        return channels // self.num_head_channels, self.num_head_channels
