"""The chunked and compiled video decoder against the plain decode, on a tiny VAE on the CPU."""

from __future__ import annotations

import copy
import json

import pytest
import torch

from conftest import ROOT, relative_error
from paintsundo.models.video_vae import VideoVAE, VideoVAEParams, end_frame_features

TINY = ROOT / "tests" / "data" / "tiny-release"


@pytest.fixture(scope="module")
def tiny_video_vae() -> VideoVAE:
    config = json.loads((TINY / "paints_undo_multi_frame" / "vae" / "config.json").read_text())
    torch.manual_seed(0)
    vae = VideoVAE(VideoVAEParams.from_config(config)).eval()
    with torch.no_grad():
        for name, parameter in vae.named_parameters():
            if name.endswith("mix_factor"):
                parameter.fill_(0.3)  # a real blend of per-frame and temporal paths
            elif name.endswith("bias"):
                parameter.normal_(0, 0.1)
    return vae


def decode_inputs(vae: VideoVAE, batch: int = 1, frames: int = 16, height: int = 64, width: int = 48):
    """Latents of `batch` videos, their end frames' encoder features, and the frame count."""
    generator = torch.Generator().manual_seed(1)
    ends = torch.rand(batch * 2, 3, height, width, generator=generator) * 2 - 1
    _, features = vae.encode(ends)
    latents = torch.randn(batch * frames, 4, height // 8, width // 8, generator=generator)
    return latents, end_frame_features(features, frames=2), frames


@pytest.mark.parametrize(("batch", "chunk"), [(1, 3), (2, 5), (1, 16)])
@torch.inference_mode()
def test_chunked_video_decode_equals_the_whole_decode(tiny_video_vae, batch, chunk):
    latents, reference, frames = decode_inputs(tiny_video_vae, batch)
    whole = tiny_video_vae.decode(latents, reference, frames)
    chunked = tiny_video_vae.decode(latents, reference, frames, chunk=chunk)
    assert chunked.shape == whole.shape == (batch * frames, 3, 64, 48)
    assert relative_error(chunked, whole) < 1e-5


@torch.inference_mode()
def test_channels_last_chunked_decode_keeps_its_layout_and_result(tiny_video_vae, monkeypatch):
    from paintsundo.models.video_vae.temporal import VideoResBlock
    from paintsundo.undo.runtime.acceleration import use_channels_last

    latents, reference, frames = decode_inputs(tiny_video_vae)
    plain = tiny_video_vae.decode(latents, reference, frames, chunk=2)
    layouts = []
    frame_step = VideoResBlock.frame_step

    def recording(self, x, before=None):
        layouts.append(x.is_contiguous(memory_format=torch.channels_last) and not x.is_contiguous())
        return frame_step(self, x, before)

    monkeypatch.setattr(VideoResBlock, "frame_step", recording)
    vae = copy.deepcopy(tiny_video_vae)
    use_channels_last(vae.decoder)
    chunked = vae.decode(latents, reference, frames, chunk=2)
    # Each block's frames arrive channels-last: the chunks and the temporal row slices keep the layout.
    assert len(layouts) > 8 and all(layouts)
    assert relative_error(chunked, plain) < 1e-5


@torch.inference_mode()
def test_compiled_video_decoder_gives_the_same_frames(tiny_video_vae):
    from paintsundo.models.video_vae.decoder import VideoDecoder
    from paintsundo.models.video_vae.temporal import VideoResBlock
    from paintsundo.undo.runtime.acceleration import compile_blocks

    latents, reference, frames = decode_inputs(tiny_video_vae)
    plain = tiny_video_vae.decode(latents, reference, frames, chunk=2)
    vae = copy.deepcopy(tiny_video_vae)
    compile_blocks(vae.decoder, backend="eager")  # Dynamo's graph capture, no code generation
    declared_methods = {*VideoDecoder.compiled_methods, *VideoResBlock.compiled_methods}
    compiled_methods = {name for module in vae.decoder.modules() for name in getattr(module, "_compiled", ())}
    assert not any(name in vars(module) for module in vae.decoder.modules() for name in declared_methods), (
        "no method is replaced"
    )
    compiled_blocks = {type(m).__name__ for m in vae.decoder.modules() if m._compiled_call_impl is not None}
    compiled = vae.decode(latents, reference, frames, chunk=2)
    assert compiled_methods == declared_methods == {"frame_step", "output_activation"}
    assert compiled_blocks == {block.__name__ for block in VideoDecoder.compiled_blocks}
    assert compiled_blocks == {"SpatialAttention", "AttentionCombiner"}
    assert not vae.decoder.conv_in.weight.is_contiguous(), "channels-last weights"
    assert relative_error(compiled, plain) < 1e-5
