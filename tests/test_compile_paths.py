"""The compiled paths (torch.compile, CUDA graphs) against eager ones, on tiny models on the CPU:
Dynamo's graph capture with the eager backend, so that no code is generated."""

from __future__ import annotations

import pytest
import torch

from conftest import channels_last, relative_error, tiny_video


@pytest.mark.parametrize("regional", [True, False])
def test_compiled_unet_gives_the_same_video(tiny_multi_frame, regional):
    import numpy as np

    from paintsundo.pipeline.acceleration import compile_unet, uncompile
    from paintsundo.pipeline.placement import FAST

    unet = tiny_multi_frame.unet
    plain = np.stack(tiny_video(tiny_multi_frame, FAST))
    convolutions = [m.weight for m in unet.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.Conv3d))]
    try:
        compile_unet(unet, backend="eager", regional=regional)  # Dynamo's graph capture, no code generation
        assert all(channels_last(weight) for weight in convolutions)
        assert not any(weight.is_contiguous() for weight in convolutions if weight.shape[-1] == 3)
        compiled_blocks = [m for m in unet.modules() if m._compiled_call_impl is not None]
        if regional:
            kinds = {type(m).__name__ for m in compiled_blocks}
            assert kinds == {"ResBlock", "SpatialTransformer", "TemporalTransformer"}
            assert "forward" not in vars(unet)
        else:
            assert not compiled_blocks and "forward" in vars(unet)
        compiled = np.stack(tiny_video(tiny_multi_frame, FAST))
    finally:
        uncompile(unet)
    assert "forward" not in vars(unet)
    assert all(m._compiled_call_impl is None for m in unet.modules())
    assert all(m.weight.is_contiguous() for m in unet.modules() if isinstance(m, torch.nn.Conv2d))
    assert np.abs(compiled.astype(int) - plain).max() <= 1


def test_regional_compile_covers_the_single_frame_unet(tiny_single_frame):
    from paintsundo.pipeline.acceleration import compile_unet, uncompile

    unet = tiny_single_frame.unet
    try:
        compile_unet(unet, backend="eager")
        kinds = {type(m).__name__ for m in unet.modules() if m._compiled_call_impl is not None}
    finally:
        uncompile(unet)
    assert kinds == {"ResnetBlock2D", "Transformer2DModel"}


@torch.inference_mode()
def test_compiled_keyframe_decoder_gives_the_same_picture(tiny_single_frame):
    from paintsundo.pipeline.acceleration import compile_image_decoder, uncompile

    vae = tiny_single_frame.vae
    torch.manual_seed(0)
    latents = torch.randn(1, 4, 10, 8)
    plain = vae.decode(latents).sample
    try:
        compile_image_decoder(vae.decoder, backend="eager")  # Dynamo's graph capture, no code generation
        kinds = {type(m).__name__ for m in vae.decoder.modules() if m._compiled_call_impl is not None}
        compiled = vae.decode(latents).sample
    finally:
        uncompile(vae.decoder)
    assert kinds == {"ResnetBlock2D", "GroupNorm"}
    assert vae.decoder.conv_norm_out._compiled_call_impl is None
    assert relative_error(compiled, plain) < 1e-5


def test_cpp_wrapper_is_a_compile_option_of_the_default_mode(monkeypatch):
    from paintsundo.pipeline.acceleration import compile_unet

    compiled = []
    monkeypatch.setattr(torch.nn.Module, "compile", lambda module, **options: compiled.append(options))
    block_class = type("Block", (torch.nn.Module,), {})
    unet = type("UNet", (torch.nn.Module,), {"repeated_blocks": (block_class,)})()  # as the UNets declare
    unet.block = block_class()
    compile_unet(unet, cpp_wrapper=True)
    assert compiled == [
        {"dynamic": False, "backend": "inductor", "mode": None, "options": {"cpp_wrapper": True}}
    ]
    with pytest.raises(ValueError, match="cpp_wrapper"):
        compile_unet(unet, mode="max-autotune", cpp_wrapper=True)


def test_cuda_graph_compile_starts_a_step_and_copies_each_output(tiny_multi_frame, monkeypatch):
    """CUDA graphs overwrite an output on the next replay; the samplers must get copies."""
    from paintsundo.pipeline.acceleration import compile_unet, uncompile

    unet = tiny_multi_frame.unet
    steps, returned = [], []
    eager_forward = unet.forward

    def fake_compile(function, **options):
        assert options["mode"] == "reduce-overhead"

        def replay(*args, **kwargs):
            returned.append(function(*args, **kwargs))
            return returned[-1]

        return replay

    monkeypatch.setattr(torch, "compile", fake_compile)
    monkeypatch.setattr(torch.compiler, "cudagraph_mark_step_begin", lambda: steps.append(1))
    inputs = {
        "x": torch.randn(1, 4, 2, 8, 8),
        "timesteps": torch.tensor([500]),
        "context_text": torch.randn(1, 77, unet.params.context_dim),
        "context_img": torch.randn(1, 2, 16, unet.params.context_dim),
        "concat_cond": torch.randn(1, 4, 2, 8, 8),
        "fs": torch.tensor([3]),
    }
    try:
        compile_unet(unet, mode="reduce-overhead")
        with torch.no_grad():
            first, second = unet(**inputs), unet(**inputs)
            expected = eager_forward(**inputs)
    finally:
        uncompile(unet)
    assert len(steps) == 2, "one new step per call"
    assert all(out.data_ptr() != raw.data_ptr() for out, raw in zip((first, second), returned, strict=True))
    assert torch.allclose(first, expected) and torch.allclose(second, expected)


def test_dynamo_limits_are_raised_for_a_run_and_given_back():
    from paintsundo.pipeline.acceleration import RECOMPILE_LIMIT, compile_limits

    before = torch._dynamo.config.recompile_limit
    with compile_limits():
        assert torch._dynamo.config.recompile_limit >= RECOMPILE_LIMIT
    assert torch._dynamo.config.recompile_limit == before, "no global change outlives the run"
