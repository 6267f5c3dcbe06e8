"""Compilation of the UNets, where the sampling time goes."""

from __future__ import annotations

import torch
from torch import nn


def compile_unet(unet: nn.Module, backend: str = "inductor", mode: str | None = None) -> None:
    """Compile the UNet's forward for fixed shapes (again for each new size). The first compile takes
    minutes; Inductor caches its kernels on disk, so later processes start faster.

    mode "reduce-overhead" also replays each step as CUDA graphs."""
    unet.forward = torch.compile(unet.forward, dynamic=False, backend=backend, mode=mode)
