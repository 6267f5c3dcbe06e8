"""Speed-ups of the UNets, where the sampling time goes: attention kernels, compilation, layout."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator

import torch
from diffusers.models.resnet import ResnetBlock2D
from torch import nn
from torch.nn.attention import SDPBackend
from torch.utils._pytree import tree_map_only

# Each block class is compiled once per distinct shape; the UNets have a few dozen.
RECOMPILE_LIMIT = 64


def compile_limits() -> contextlib.AbstractContextManager:
    """Within: Dynamo may compile each block class once per shape the UNets have (its default
    limit is lower). Nothing outlives the context."""
    config = torch._dynamo.config
    return config.patch(
        recompile_limit=max(config.recompile_limit, RECOMPILE_LIMIT),
        accumulated_recompile_limit=max(config.accumulated_recompile_limit, 4 * RECOMPILE_LIMIT),
    )


# SDPA kernels by kind of attention, first choice first; a kernel that cannot run the call (an older
# GPU, the CPU) passes it to the next. Over a frame's pixels and text cuDNN's Hopper kernels are the
# fastest (docs/performance.md). Along time, sequences of four pixels' 16 frames under a
# mask, which flash cannot take: the memory-efficient kernel takes two thirds of cuDNN's time there
# (docs/performance.md), and is what Inductor uses for it once compiled.
ATTENTION_KERNELS = {
    "pixels": (SDPBackend.CUDNN_ATTENTION, SDPBackend.FLASH_ATTENTION, SDPBackend.EFFICIENT_ATTENTION),
    "time": (SDPBackend.EFFICIENT_ATTENTION, SDPBackend.CUDNN_ATTENTION, SDPBackend.FLASH_ATTENTION),
}


def choose_attention_kernels(unet: nn.Module) -> None:
    """Run each UNet's attention under the SDPA kernel order for its kind of attention."""
    unet.enable_attention_kernels(ATTENTION_KERNELS)


def default_attention_kernels(unet: nn.Module) -> None:
    """PyTorch's own SDPA kernel order again."""
    unet.enable_attention_kernels(None)


def compile_unet(
    unet: nn.Module,
    backend: str = "inductor",
    mode: str | None = None,
    regional: bool = True,
    channels_last: bool = True,
    cpp_wrapper: bool = False,
) -> None:
    """Compile the UNet for fixed shapes (again for each new size). Inductor caches its kernels on
    disk, so later processes start faster.

    regional compiles each repeated block; otherwise the whole forward, one graph (slower to compile,
    and needed for mode "reduce-overhead", which replays each call as CUDA graphs). channels_last
    stores the convolutions channels-last, which pays only once compiled: eager normalisations copy
    such activations back. cpp_wrapper has Inductor launch each compiled block's kernels from C++
    instead of Python, for hosts slower to launch than the GPU is to run them (longer to compile)."""
    if cpp_wrapper and mode is not None:
        raise ValueError("cpp_wrapper takes the default compile mode, not mode=" + repr(mode))
    options = {"cpp_wrapper": True} if cpp_wrapper else None
    use_channels_last(unet, channels_last)
    blocks = getattr(type(unet), "repeated_blocks", ())  # as the UNet declares them
    if regional and blocks and mode != "reduce-overhead":
        for module in unet.modules():
            if isinstance(module, blocks):
                module.compile(dynamic=False, backend=backend, mode=mode, options=options)
    else:
        compiled = torch.compile(unet.forward, dynamic=False, backend=backend, mode=mode, options=options)
        unet.forward = _safe_for_graphs(compiled) if mode == "reduce-overhead" else compiled


def compile_video_decoder(decoder: nn.Module, backend: str = "inductor", channels_last: bool = True) -> None:
    """Compile the blocks and methods the video VAE decoder declares (again for each new size)."""
    use_channels_last(decoder, channels_last)
    for module in decoder.modules():
        if isinstance(module, decoder.compiled_blocks):
            module.compile(dynamic=False, backend=backend)
        for name in getattr(type(module), "compiled_methods", ()):
            setattr(module, name, torch.compile(getattr(module, name), dynamic=False, backend=backend))


# The keyframe VAE's decoder (diffusers'), eager, spends half its time in GroupNorm statistics: one
# picture at a time gives PyTorch's kernel 32 groups to share among the GPU's 132 processors. Compiled,
# each residual block's norms are split reductions fused with their SiLUs.
def compile_image_decoder(decoder: nn.Module, backend: str = "inductor") -> None:
    """Compile the keyframe VAE decoder's residual blocks and output norm (again for each new size)."""
    for module in decoder.modules():
        if isinstance(module, ResnetBlock2D):
            module.compile(dynamic=False, backend=backend)
    decoder.conv_norm_out.compile(dynamic=False, backend=backend)


def _safe_for_graphs(compiled: Callable) -> Callable:
    """CUDA graphs write each call's output into the same memory, but the samplers keep earlier
    outputs (DPM-Solver++(2M) its previous estimate): each call starts a new step and returns a copy."""

    @functools.wraps(compiled)
    def forward(*args, **kwargs):
        torch.compiler.cudagraph_mark_step_begin()
        return tree_map_only(torch.Tensor, torch.clone, compiled(*args, **kwargs))

    return forward


@contextlib.contextmanager
def tuned_convolutions(enabled: bool = True) -> Iterator[None]:
    """Within: cuDNN times its algorithms for each new convolution shape and keeps the fastest. The
    UNets repeat their shapes every step, so the first call's timing pays back many times over."""
    before = torch.backends.cudnn.benchmark
    torch.backends.cudnn.benchmark = enabled
    try:
        yield
    finally:
        torch.backends.cudnn.benchmark = before


def use_channels_last(model: nn.Module, enabled: bool = True) -> None:
    """Store convolution weights channels-last (or back to contiguous). cuDNN then also writes the
    activations channels-last, which its Hopper kernels use natively, instead of transposing each
    convolution's input and output; the 3D UNet's frame and token rearranges become views."""
    for module in model.modules():
        if isinstance(module, (nn.Conv2d, nn.Conv3d)):
            layout = torch.contiguous_format
            if enabled:
                layout = torch.channels_last if module.weight.ndim == 4 else torch.channels_last_3d
            module.weight.data = module.weight.data.contiguous(memory_format=layout)


def uncompile(model: nn.Module) -> None:
    """Back to eager execution, and contiguous weights, after compile_unet or a compile_*_decoder."""
    use_channels_last(model, False)
    for module in model.modules():
        module._compiled_call_impl = None
        for name in getattr(type(module), "compiled_methods", ()):
            vars(module).pop(name, None)
    vars(model).pop("forward", None)
