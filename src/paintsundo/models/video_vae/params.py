"""Hyperparameters of the video VAE, in the reference's argument names (its config.json)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from paintsundo.config_fields import from_known_fields

SCALE_FACTOR = 0.18215


@dataclass(frozen=True)
class VideoVAEParams:
    double_z: bool = True
    z_channels: int = 4
    resolution: int = 256
    in_channels: int = 3
    out_ch: int = 3
    ch: int = 128
    ch_mult: tuple[int, ...] = (1, 2, 4, 4)
    num_res_blocks: int = 2
    attn_resolutions: tuple[int, ...] = ()
    dropout: float = 0.0
    # The decoder levels whose reference features are combined by attention; the others by convolution.
    attention_levels: tuple[int, ...] = (2, 3)

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> VideoVAEParams:
        return from_known_fields(cls, config)
