"""Speed-ups of the UNets, where the sampling time goes: attention kernels, compilation, layout."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch
from torch import nn
from torch.nn.attention import SDPBackend
from torch.nn.utils import convert_conv2d_weight_memory_format, convert_conv3d_weight_memory_format

from paintsundo.models.compiling import CallRoute, CompiledBlocks, route_module_calls

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


def compile_blocks(model: CompiledBlocks, backend: str = "inductor") -> None:
    """Compile the blocks a model declares (the UNets, the video decoder) for fixed shapes, again for
    each new size, with channels-last convolution weights, which pay only once compiled: eager
    normalisations copy such activations back. Inductor caches its kernels on disk, so later
    processes start faster."""
    use_channels_last(model)
    model.compile_blocks(dynamic=False, backend=backend)


# The keyframe VAE's decoder (diffusers'), eager, spends half its time in GroupNorm statistics: one
# picture at a time gives PyTorch's kernel 32 groups to share among the GPU's 132 processors. Compiled,
# each residual block's norms are split reductions fused with their SiLUs.
def image_decoder_blocks(decoder: nn.Module) -> dict[str, nn.Module]:
    """The keyframe VAE decoder's parts that are compiled, by name: its residual blocks and output
    norm."""
    from diffusers.models.resnet import ResnetBlock2D  # the pipeline has imported diffusers already

    blocks = {name: m for name, m in decoder.named_modules() if isinstance(m, ResnetBlock2D)}
    return {**blocks, "conv_norm_out": decoder.conv_norm_out}


def compile_image_decoder(decoder: nn.Module, backend: str = "inductor") -> None:
    """Compile the keyframe VAE decoder's residual blocks and output norm (again for each new size)."""
    for module in image_decoder_blocks(decoder).values():
        module.compile(dynamic=False, backend=backend)


def compile_models(unet: CompiledBlocks, decoder: nn.Module) -> None:
    """Compile a model set's UNet and its VAE decoder: the video decoder declares its blocks, the
    keyframe decoder (diffusers') is compiled by `compile_image_decoder`."""
    compile_blocks(unet)
    if isinstance(decoder, CompiledBlocks):
        compile_blocks(decoder)
    else:
        compile_image_decoder(decoder)


def route_compiled_calls(unet: CompiledBlocks, decoder: nn.Module, route: CallRoute) -> None:
    """Hand the calls of every part `compile_models` would compile to `route` (prepared compiled
    work), with the same channels-last weights."""
    use_channels_last(unet)
    unet.route_calls(route)
    if isinstance(decoder, CompiledBlocks):
        use_channels_last(decoder)
        decoder.route_calls(route)
    else:
        for name, module in image_decoder_blocks(decoder).items():
            route_module_calls(decoder, name, module, ("forward",), route)


@contextlib.contextmanager
def tuned_convolutions(enabled: bool = True) -> Iterator[None]:
    """Within: cuDNN times its algorithms for each new convolution shape and keeps the fastest, for
    the rest of the process: worth it only where a process runs many jobs of the same shapes."""
    before = torch.backends.cudnn.benchmark
    torch.backends.cudnn.benchmark = enabled
    try:
        yield
    finally:
        torch.backends.cudnn.benchmark = before


def use_channels_last(model: nn.Module) -> None:
    """Store convolution weights channels-last. cuDNN then also writes the activations channels-last,
    which its Hopper kernels use natively, instead of transposing each convolution's input and output;
    the 3D UNet's frame and token rearranges become views. Done before the weights are placed."""
    convert_conv2d_weight_memory_format(model, torch.channels_last)
    convert_conv3d_weight_memory_format(model, torch.channels_last_3d)
