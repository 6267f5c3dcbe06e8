"""Each optimised model call against the plain call on the same inputs: relative error in its dtype."""

from __future__ import annotations

import copy

import torch

from paintsundo.models.video_vae import end_frame_features
from paintsundo.undo.pipeline.denoisers import guided_pair
from paintsundo.undo.pipeline.settings import KeyframeSettings, VideoSettings
from paintsundo.undo.runtime.acceleration import choose_attention_kernels
from paintsundo.undo.runtime.placement import FAST


def relative_error(ours: torch.Tensor, reference: torch.Tensor) -> float:
    ours, reference = ours.float(), reference.float()
    return ((ours - reference).norm() / reference.norm()).item()


def eager():
    """Compiled code runs as plain eager PyTorch while inside."""
    return torch.compiler.set_stance("force_eager")


def keyframe_unet_inputs(unet, keys: KeyframeSettings) -> dict:
    device, dtype = unet.device, unet.dtype
    batch, height, width = len(keys.operation_steps), keys.height // 8, keys.width // 8
    return {
        "x": torch.randn(batch, 4, height, width, device=device, dtype=dtype),
        "steps": torch.full((batch,), 500, device=device),
        "positive": torch.randn(batch, 77, 768, device=device, dtype=dtype),
        "negative": torch.randn(batch, 77, 768, device=device, dtype=dtype),
        "concat": torch.randn(1, 4, height, width, device=device, dtype=dtype),
        "operations": torch.tensor(keys.operation_steps, device=device),
    }


def video_unet_inputs(unet, video: VideoSettings, bucket: tuple[int, int]) -> tuple[dict, dict]:
    parameter = next(unet.parameters())
    device, dtype = parameter.device, parameter.dtype
    frames, height, width = video.frames_per_segment, bucket[0] // 8, bucket[1] // 8
    shared = {
        "x": torch.randn(1, 4, frames, height, width, device=device, dtype=dtype),
        "timesteps": torch.tensor([500], device=device),
        "concat_cond": torch.randn(1, 4, frames, height, width, device=device, dtype=dtype),
        "fs": torch.tensor([video.fs], device=device),
    }
    positive = {
        "context_text": torch.randn(1, 77, 1024, device=device, dtype=dtype),
        "context_img": torch.randn(1, frames, 16, 1024, device=device, dtype=dtype),
    }
    negative = {
        "context_text": torch.randn_like(positive["context_text"]),
        "context_img": torch.zeros_like(positive["context_img"]),
    }
    return {**shared, **positive}, {**shared, **negative}


@torch.inference_mode()
def keyframe_errors(unet, keys: KeyframeSettings, compiled: bool) -> list[tuple[str, float]]:
    i = keyframe_unet_inputs(unet, keys)

    def positive_pass():
        return unet.undo(i["x"], i["steps"], i["positive"], i["concat"], i["operations"])

    def batched():
        return unet.undo(
            torch.cat([i["x"], i["x"]]),
            torch.cat([i["steps"], i["steps"]]),
            torch.cat([i["positive"], i["negative"]]),
            i["concat"],
            torch.cat([i["operations"], i["operations"]]),
        )

    if compiled:  # against the same kernels run eagerly, at the job's batch (no new compile)
        with eager():
            reference = batched()
        return [("keyframe UNet, compiled", relative_error(batched(), reference))]

    unet.enable_attention_kernels(None)  # PyTorch's own order
    with eager():
        positive = positive_pass()
        negative = unet.undo(i["x"], i["steps"], i["negative"], i["concat"], i["operations"])
        both = batched()
    choose_attention_kernels(unet)
    with eager():
        chosen = batched()
    plain = torch.cat([positive, negative])
    rows = [
        ("keyframe UNet, batched CFG", relative_error(both, plain)),
        ("  and attention kernels chosen", relative_error(chosen, plain)),
    ]
    return rows


@torch.inference_mode()
def video_errors(
    unet, video: VideoSettings, bucket: tuple[int, int], compiled: bool
) -> list[tuple[str, float]]:
    positive, negative = video_unet_inputs(unet, video, bucket)
    batch = guided_pair(positive, negative)
    if compiled:  # against the same kernels run eagerly, at the job's batch (no new compile)
        with eager():
            reference = unet(**batch)
        return [("video UNet, compiled", relative_error(unet(**batch), reference))]
    unet.enable_attention_kernels(None)  # PyTorch's own order
    with eager():
        plain = torch.cat([unet(**positive), unet(**negative)])
        both = unet(**batch)
    choose_attention_kernels(unet)
    with eager():
        chosen = unet(**batch)
    rows = [
        ("video UNet, batched CFG", relative_error(both, plain)),
        ("  and attention kernels chosen", relative_error(chosen, plain)),
    ]
    return rows


@torch.inference_mode()
def decode_errors(single_vae, video_vae, keys: KeyframeSettings, video: VideoSettings, bucket) -> list:
    device, dtype = single_vae.device, single_vae.dtype
    latents = torch.randn(
        len(keys.operation_steps), 4, keys.height // 8, keys.width // 8, device=device, dtype=dtype
    )
    whole = single_vae.decode(latents).sample
    one_by_one = torch.cat([single_vae.decode(latent).sample for latent in latents.split(1)])
    rows = [("keyframe VAE decode, one at a time", relative_error(one_by_one, whole))]
    # How far each is from the exact decode: the rounding of the dtype, not the batch size, decides.
    exact = copy.deepcopy(single_vae).float().decode(latents.float()).sample
    rows.append(("  the batched decode against float32", relative_error(whole, exact)))
    rows.append(("  one at a time against float32", relative_error(one_by_one, exact)))
    z, reference, frames = video_decode_inputs(video_vae, video, bucket)
    whole = video_vae.decode(z, reference, frames)
    for chunk in (4, 2):
        chunked = video_vae.decode(z, reference, frames, chunk)
        rows.append((f"video VAE decode, {chunk} frames at a time", relative_error(chunked, whole)))
    return rows


def video_decode_inputs(video_vae, video: VideoSettings, bucket) -> tuple[torch.Tensor, list, int]:
    """Latents of one segment, its end frames' encoder features, and its frame count."""
    parameter = next(video_vae.parameters())
    ends = torch.rand(2, 3, *bucket, device=parameter.device, dtype=parameter.dtype) * 2 - 1
    _, features = video_vae.encode(ends)
    frames = video.frames_per_segment
    z = torch.randn(frames, 4, bucket[0] // 8, bucket[1] // 8, device=parameter.device, dtype=parameter.dtype)
    return z, end_frame_features(features, frames=2), frames


@torch.inference_mode()
def compiled_decode_errors(
    single_vae, video_vae, keys: KeyframeSettings, video: VideoSettings, bucket
) -> list:
    """The compiled decoders against eager ones: a keyframe, one at a time as fast mode decodes them,
    and a segment in fast mode's chunks against its eager whole decode."""
    parameter = next(single_vae.parameters())
    latents = torch.randn(
        1, 4, keys.height // 8, keys.width // 8, device=parameter.device, dtype=parameter.dtype
    )
    compiled_picture = single_vae.decode(latents).sample
    with eager():
        picture = single_vae.decode(latents).sample
    z, reference, frames = video_decode_inputs(video_vae, video, bucket)
    compiled = video_vae.decode(z, reference, frames, FAST.decode_chunk)
    with eager():
        whole = video_vae.decode(z, reference, frames)
    return [
        ("keyframe VAE decode, compiled", relative_error(compiled_picture, picture)),
        (f"video VAE decode, compiled, {FAST.decode_chunk} at a time", relative_error(compiled, whole)),
    ]


def print_call_errors(models, keys: KeyframeSettings, video: VideoSettings, bucket, compiled: bool) -> None:
    """The eager optimisations' errors against plain calls, or (compiled) the compiled UNets' and
    decoders' against the same models run eagerly."""
    single, multi = models
    torch.manual_seed(0)
    if compiled:
        rows = keyframe_errors(single.unet, keys, True) + video_errors(multi.unet, video, bucket, True)
        rows += compiled_decode_errors(single.vae, multi.vae, keys, video, bucket)
    else:
        rows = keyframe_errors(single.unet, keys, False) + video_errors(multi.unet, video, bucket, False)
        rows += decode_errors(single.vae, multi.vae, keys, video, bucket)
    print(f"\n{'optimised call against the plain one':44} {'relative error':>15}")
    for name, error in rows:
        print(f"{name:44} {error:15.1e}", flush=True)
