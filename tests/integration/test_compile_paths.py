"""The compiled paths against eager ones, on tiny models on the CPU: Dynamo's graph capture with the
eager backend, so that no code is generated."""

from __future__ import annotations

import copy

import torch

from conftest import channels_last, relative_error, tiny_video


def test_compiled_unet_gives_the_same_video(tiny_multi_frame):
    import numpy as np

    from paintsundo.undo.runtime.acceleration import compile_blocks
    from paintsundo.undo.runtime.placement import FAST

    plain = np.stack(tiny_video(tiny_multi_frame, FAST))
    models = copy.deepcopy(tiny_multi_frame)
    compile_blocks(models.unet, backend="eager")  # Dynamo's graph capture, no code generation
    convolutions = [
        m.weight for m in models.unet.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.Conv3d))
    ]
    assert all(channels_last(weight) for weight in convolutions)
    assert not any(weight.is_contiguous() for weight in convolutions if weight.shape[-1] == 3)
    kinds = {type(m).__name__ for m in models.unet.modules() if m._compiled_call_impl is not None}
    assert kinds == {"ResBlock", "SpatialTransformer", "TemporalTransformer"}
    assert not any("forward" in vars(module) for module in models.unet.modules()), "nothing is patched"
    compiled = np.stack(tiny_video(models, FAST))
    assert np.abs(compiled.astype(int) - plain).max() <= 1


def test_compiling_the_single_frame_unet_takes_its_declared_blocks(tiny_single_frame):
    from paintsundo.undo.runtime.acceleration import compile_blocks

    unet = copy.deepcopy(tiny_single_frame.unet)
    compile_blocks(unet, backend="eager")
    kinds = {type(m).__name__ for m in unet.modules() if m._compiled_call_impl is not None}
    assert kinds == {"ResnetBlock2D", "Transformer2DModel"}
    assert all(m._compiled_call_impl is None for m in tiny_single_frame.unet.modules()), "a copy"


@torch.inference_mode()
def test_compiled_keyframe_decoder_gives_the_same_picture(tiny_single_frame):
    from paintsundo.undo.runtime.acceleration import compile_image_decoder

    torch.manual_seed(0)
    latents = torch.randn(1, 4, 10, 8)
    plain = tiny_single_frame.vae.decode(latents).sample
    vae = copy.deepcopy(tiny_single_frame.vae)
    compile_image_decoder(vae.decoder, backend="eager")  # Dynamo's graph capture, no code generation
    kinds = {type(m).__name__ for m in vae.decoder.modules() if m._compiled_call_impl is not None}
    compiled = vae.decode(latents).sample
    assert kinds == {"ResnetBlock2D", "GroupNorm"}
    assert relative_error(compiled, plain) < 1e-5


def test_dynamo_limits_are_raised_for_a_run_and_given_back():
    from paintsundo.undo.runtime.acceleration import RECOMPILE_LIMIT, compile_limits

    before = torch._dynamo.config.recompile_limit
    with compile_limits():
        assert torch._dynamo.config.recompile_limit >= RECOMPILE_LIMIT
    assert torch._dynamo.config.recompile_limit == before, "no global change outlives the run"
