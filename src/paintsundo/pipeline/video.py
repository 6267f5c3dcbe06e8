"""Stage 3: 16 frames between two keyframes from the multi-frame model (the reference's
`process_video_inner`)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from einops import rearrange

from paintsundo.models.video_vae import end_frame_features
from paintsundo.pipeline.denoisers import video_denoiser
from paintsundo.pipeline.images import nearest_bucket, resize_and_center_crop, to_model_range, video_to_frames
from paintsundo.pipeline.keyframes import encode_prompt, require_multiple
from paintsundo.pipeline.models import MultiFrameModels, Placement
from paintsundo.pipeline.settings import VideoSettings
from paintsundo.samplers import (
    DiscreteSchedule,
    sample_ddim_v_dynamic,
    scaled_linear_betas,
    trailing_timesteps,
    zero_terminal_snr,
)
from paintsundo.samplers.schedules import dynamic_x0_scale

StepCallback = Callable[[int, int], None]


@torch.inference_mode()
def image_tokens(models: MultiFrameModels, frames: torch.Tensor) -> torch.Tensor:
    """CLIP vision tokens of each frame, resampled: b 3 t h w -> b video_length tokens c."""
    hidden = models.image_encoder(rearrange(frames, "b c t h w -> (b t) c h w")).last_hidden_state
    return models.image_projection(rearrange(hidden, "(b t) n c -> b t n c", t=frames.shape[2]))


@torch.inference_mode()
def interpolate(
    models: MultiFrameModels,
    placement: Placement,
    first: np.ndarray,
    last: np.ndarray,
    settings: VideoSettings,
    seed: int,
    progress: StepCallback | None = None,
) -> np.ndarray:
    """frames_per_segment frames (t h w 3 uint8) from `first` to `last`, at the nearest bucket."""
    return interpolate_batch(models, placement, [(first, last)], settings, [seed], progress)[0]


@torch.inference_mode()
def interpolate_batch(
    models: MultiFrameModels,
    placement: Placement,
    pairs: list[tuple[np.ndarray, np.ndarray]],
    settings: VideoSettings,
    seeds: list[int],
    progress: StepCallback | None = None,
) -> list[np.ndarray]:
    """Several segments in one batch, each with its own seed's noise; the bucket is the first pair's."""
    height, width = nearest_bucket(*pairs[0][0].shape[:2], settings.buckets)
    require_multiple(width, height, 8 * 2 ** (len(models.unet.params.channel_mult) - 1))
    generators = [torch.Generator(placement.device).manual_seed(seed) for seed in seeds]
    ends = [resize_and_center_crop(picture, width, height) for pair in pairs for picture in pair]
    frames = rearrange(to_model_range(ends), "(b t) c h w -> b c t h w", t=2).to(placement.device)
    positive, negative, reference = _conditions(models, placement, frames, settings)
    placement.use(models.unet)
    unet_dtype = next(models.unet.parameters()).dtype
    schedule = DiscreteSchedule.from_betas(zero_terminal_snr(scaled_linear_betas()))
    denoiser = video_denoiser(
        models.unet, schedule, positive, negative, settings.cfg, batched_cfg=settings.batched_cfg
    )
    sampled = sample_ddim_v_dynamic(
        denoiser,
        tuple(positive["concat_cond"].shape),
        schedule,
        trailing_timesteps(settings.steps),
        dynamic_x0_scale(),
        generators[0] if len(generators) == 1 else generators,
        device=placement.device,
        dtype=unet_dtype,
        callback=progress,
    )
    placement.use(models.vae)
    vae_dtype = next(models.vae.parameters()).dtype
    count = settings.frames_per_segment
    pixels = models.vae.decode(rearrange(sampled, "b c t h w -> (b t) c h w").to(vae_dtype), reference, count)
    video = rearrange(pixels, "(b t) c h w -> b c t h w", t=count)
    return [video_to_frames(video[index : index + 1]) for index in range(len(pairs))]


def _conditions(
    models: MultiFrameModels, placement: Placement, frames: torch.Tensor, settings: VideoSettings
) -> tuple[dict, dict, list[torch.Tensor]]:
    """UNet inputs with and without guidance, and the end frames' VAE features for decoding."""
    placement.use(models.text_encoder)
    batch = len(frames)
    positive_text = encode_prompt(models.tokenizer, models.text_encoder, settings.prompt).repeat(batch, 1, 1)
    negative_text = encode_prompt(models.tokenizer, models.text_encoder, "").repeat(batch, 1, 1)
    placement.use(models.image_encoder, models.image_projection)
    dtype = next(models.image_encoder.parameters()).dtype
    positive_image = image_tokens(models, frames.to(dtype))
    negative_image = image_tokens(models, torch.zeros_like(frames, dtype=dtype))
    placement.use(models.vae)
    vae_dtype = next(models.vae.parameters()).dtype
    latents, features = models.vae.encode(rearrange(frames, "b c t h w -> (b t) c h w").to(vae_dtype))
    latents = rearrange(latents, "(b t) c h w -> b c t h w", t=2)
    # Known first and last latents, zeros between, concatenated to the noisy input.
    middle = latents.new_zeros(*latents.shape[:2], settings.frames_per_segment - 2, *latents.shape[3:])
    concat = torch.cat([latents[:, :, :1], middle, latents[:, :, 1:]], dim=2)
    unet_dtype = next(models.unet.parameters()).dtype
    shared = {
        "concat_cond": concat.to(unet_dtype),
        "fs": torch.full((batch,), settings.fs, device=placement.device),
    }
    positive = {
        "context_text": positive_text.to(unet_dtype),
        "context_img": positive_image.to(unet_dtype),
        **shared,
    }
    negative = {
        "context_text": negative_text.to(unet_dtype),
        "context_img": negative_image.to(unet_dtype),
        **shared,
    }
    return positive, negative, end_frame_features(features, frames=2)
