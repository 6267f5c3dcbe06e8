"""Compilation of the UNets, where the sampling time goes."""

from __future__ import annotations

import functools
from collections.abc import Callable

import torch
from torch import nn
from torch.utils._pytree import tree_map_only

# The blocks that repeat inside each UNet. Compiling each block (regional compilation) instead of the
# whole forward shares the generated code between blocks of the same shapes: compiling takes about a
# tenth of the time, for nearly the same speed.
REPEATED_BLOCKS = {
    "UNet3D": ("ResBlock", "SpatialTransformer", "TemporalTransformer"),
    "SingleFrameUNet": ("ResnetBlock2D", "Transformer2DModel"),
}
# Each block class is compiled once per distinct shape; the UNets have a few dozen.
RECOMPILE_LIMIT = 64


def compile_unet(
    unet: nn.Module, backend: str = "inductor", mode: str | None = None, regional: bool = True
) -> None:
    """Compile the UNet for fixed shapes (again for each new size). Inductor caches its kernels on
    disk, so later processes start faster.

    regional compiles each repeated block; otherwise the whole forward, one graph (slower to compile,
    and needed for mode "reduce-overhead", which replays each call as CUDA graphs)."""
    blocks = REPEATED_BLOCKS.get(type(unet).__name__, ())
    if regional and blocks and mode != "reduce-overhead":
        config = torch._dynamo.config
        config.recompile_limit = max(config.recompile_limit, RECOMPILE_LIMIT)
        config.accumulated_recompile_limit = max(config.accumulated_recompile_limit, 4 * RECOMPILE_LIMIT)
        for module in unet.modules():
            if type(module).__name__ in blocks:
                module.compile(dynamic=False, backend=backend, mode=mode)
    else:
        compiled = torch.compile(unet.forward, dynamic=False, backend=backend, mode=mode)
        unet.forward = _safe_for_graphs(compiled) if mode == "reduce-overhead" else compiled


def _safe_for_graphs(compiled: Callable) -> Callable:
    """CUDA graphs write each call's output into the same memory, but the samplers keep earlier
    outputs (DPM-Solver++(2M) its previous estimate): each call starts a new step and returns a copy."""

    @functools.wraps(compiled)
    def forward(*args, **kwargs):
        torch.compiler.cudagraph_mark_step_begin()
        return tree_map_only(torch.Tensor, torch.clone, compiled(*args, **kwargs))

    return forward


def uncompile_unet(unet: nn.Module) -> None:
    """Back to eager execution after compile_unet."""
    for module in unet.modules():
        module._compiled_call_impl = None
    if "forward" in vars(unet):
        del unet.forward
