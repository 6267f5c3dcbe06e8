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


@torch.inference_mode()
def test_routed_calls_patch_nothing_and_keep_the_models_weights(tiny_single_frame, tiny_multi_frame):
    """Prepared work gets the declared calls through a route the blocks own (ours), or a RoutedBlock
    in the block's place (diffusers'): no method is replaced, torch's compile slot stays empty, the
    models keep their weights, and the route's eager runs give the plain results."""
    from paintsundo.models.compiling import run_eager
    from paintsundo.models.video_vae import end_frame_features
    from paintsundo.undo.runtime.acceleration import route_compiled_calls

    calls = []

    def route(module, method, args, kwargs):
        calls.append(f"{type(module).__name__}.{method}")
        return run_eager(module, method, args, kwargs)

    torch.manual_seed(0)
    x = torch.randn(1, 4, 4, 8, 6)  # b c t h w
    dim = tiny_multi_frame.unet.params.context_dim
    inputs = (
        x,
        torch.tensor([500]),
        torch.randn(1, 77, dim),
        torch.randn(1, 4, 16, dim),
        torch.randn_like(x),
    )
    _, features = tiny_multi_frame.vae.encode(torch.rand(2, 3, 64, 48) * 2 - 1)
    decoding = (torch.randn(4, 4, 8, 6), end_frame_features(features, frames=2), 4)
    latents = torch.randn(1, 4, 8, 8)
    models = (tiny_multi_frame, tiny_single_frame)
    plain = [tiny_multi_frame.unet(*inputs), tiny_multi_frame.vae.decode(*decoding, chunk=2)]
    plain.append(tiny_single_frame.vae.decode(latents).sample)
    multi, single = copy.deepcopy(models)
    weights = {id(p) for models in (multi, single) for p in models.unet.parameters()}
    route_compiled_calls(multi.unet, multi.vae.decoder, route)
    route_compiled_calls(single.unet, single.vae.decoder, route)
    assert weights == {id(p) for models in (multi, single) for p in models.unet.parameters()}
    modules = [
        m for models in (multi, single) for m in (*models.unet.modules(), *models.vae.decoder.modules())
    ]
    methods = ("forward", "frame_step", "output_activation")
    assert not any(name in vars(module) for module in modules for name in methods), "no method replaced"
    assert all(module._compiled_call_impl is None for module in modules), "no private slot written"
    wrapped = {type(m.block).__name__ for m in modules if type(m).__name__ == "RoutedBlock"}
    assert wrapped == {"ResnetBlock2D", "Transformer2DModel", "GroupNorm"}
    routed = [multi.unet(*inputs), multi.vae.decode(*decoding, chunk=2), single.vae.decode(latents).sample]
    assert all(relative_error(ours, theirs) < 1e-5 for ours, theirs in zip(routed, plain, strict=True))
    assert {"ResBlock.forward", "SpatialTransformer.forward", "TemporalTransformer.forward"} <= set(calls)
    assert {"VideoResBlock.frame_step", "VideoDecoder.output_activation", "ResnetBlock2D.forward"} <= set(
        calls
    )
    per_run = calls.count("ResBlock.forward")  # the UNet ran once
    next(m for m in multi.unet.modules() if type(m).__name__ == "ResBlock").use_prepared(None, ("forward",))
    calls.clear()
    multi.unet(*inputs)
    assert calls.count("ResBlock.forward") == per_run - 1, "taken back: that block runs itself"


def test_dynamo_limits_are_raised_for_a_run_and_given_back():
    from paintsundo.undo.runtime.acceleration import RECOMPILE_LIMIT, compile_limits

    before = torch._dynamo.config.recompile_limit
    with compile_limits():
        assert torch._dynamo.config.recompile_limit >= RECOMPILE_LIMIT
    assert torch._dynamo.config.recompile_limit == before, "no global change outlives the run"
