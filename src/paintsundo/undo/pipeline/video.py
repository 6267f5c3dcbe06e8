"""Stage 3: 16 frames between each two keyframes from the multi-frame model (the reference's
`process_video_inner`).

Segments run in phases, each model once for all of them: texts, image tokens and VAE latents, then
sampling, then decoding. The result is the same as segment by segment; the weights move at most
once per phase when memory is short.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from einops import rearrange

from paintsundo.models.video_vae import end_frame_features
from paintsundo.samplers import (
    DiscreteSchedule,
    sample_ddim_v_dynamic,
    scaled_linear_betas,
    trailing_timesteps,
    zero_terminal_snr,
)
from paintsundo.samplers.schedules import dynamic_x0_scale
from paintsundo.timeline import Progress
from paintsundo.undo.pipeline.denoisers import video_denoiser
from paintsundo.undo.pipeline.images import (
    nearest_bucket,
    resize_and_center_crop,
    to_model_range,
    video_to_frames,
)
from paintsundo.undo.pipeline.keyframes import encode_prompt, require_multiple
from paintsundo.undo.pipeline.settings import VideoSettings
from paintsundo.undo.runtime.acceleration import tuned_convolutions
from paintsundo.undo.runtime.model_sets import MultiFrameModels
from paintsundo.undo.runtime.placement import Placement


@dataclass
class SegmentGroup:
    """Consecutive segments sampled as one batch; they share a bucket."""

    indices: list[int]  # segment numbers, from 0
    pairs: list[tuple[np.ndarray, np.ndarray]]
    size: tuple[int, int]  # (height, width)

    def label(self, segments: int) -> str:
        first, last = self.indices[0] + 1, self.indices[-1] + 1
        return f"video {first}/{segments}" if first == last else f"video {first}-{last}/{segments}"


@dataclass
class Conditions:
    positive: dict[str, torch.Tensor]
    negative: dict[str, torch.Tensor]
    # The end frames (b 3 2 h w). Decoding needs their VAE encoder features; encoding them again then
    # takes a few milliseconds, where keeping the features (130 MB a segment) would cost memory or
    # seconds of copying to and from host memory.
    ends: torch.Tensor


def video_frames(
    models: MultiFrameModels,
    placement: Placement,
    keyframes: list[np.ndarray],
    video_settings: VideoSettings,
    progress: Progress | None = None,
) -> list[np.ndarray]:
    """Interpolate each consecutive pair of keyframes (most finished first; segment i with seed + i),
    up to a segment batch at a time and a bucket per batch; drop each segment's last frame; join;
    play from blank to finished."""
    groups = group_segments(
        list(itertools.pairwise(keyframes)), video_settings, placement.plan.segments_per_batch(video_settings)
    )
    return joined_frames(interpolate_groups(models, placement, groups, video_settings, progress))


def joined_frames(segments: list[np.ndarray]) -> list[np.ndarray]:
    """Segments (most finished first) joined without each one's last frame, which is the next
    one's first, and played from blank to finished."""
    frames = [frame for segment in segments for frame in segment[:-1]]
    return frames[::-1]


def group_segments(
    pairs: list[tuple[np.ndarray, np.ndarray]], video_settings: VideoSettings, segment_batch: int
) -> list[SegmentGroup]:
    """Runs of up to segment_batch segments, split where the bucket changes."""
    groups: list[SegmentGroup] = []
    for index, pair in enumerate(pairs):
        size = nearest_bucket(*pair[0].shape[:2], video_settings.buckets)
        last = groups[-1] if groups else None
        if last is None or last.size != size or len(last.indices) >= max(1, segment_batch):
            groups.append(SegmentGroup([], [], size))
        groups[-1].indices.append(index)
        groups[-1].pairs.append(pair)
    return groups


@torch.inference_mode()
def interpolate_groups(
    models: MultiFrameModels,
    placement: Placement,
    groups: list[SegmentGroup],
    video_settings: VideoSettings,
    progress: Progress | None = None,
    segments: int | None = None,
) -> list[np.ndarray]:
    """Each segment's frames_per_segment frames (t h w 3 uint8), in segment order. `segments` is the
    video's count of them, for the progress labels, when the groups are only part of it."""
    for group in groups:
        require_multiple(group.size[1], group.size[0], 8 * 2 ** (len(models.unet.params.channel_mult) - 1))
    conditions = encode_conditions(models, placement, groups, video_settings)
    segments = segments or sum(len(group.indices) for group in groups)
    latents = []
    for group, condition in zip(groups, conditions, strict=True):
        label = group.label(segments)
        report = (lambda done, total, label=label: progress(label, done, total)) if progress else None
        latents.append(sample_group(models, placement, group, condition, video_settings, report))
    placement.use(models.vae)
    videos = [
        video
        for sampled, condition in zip(latents, conditions, strict=True)
        for video in decode_group(models, sampled, condition, video_settings, placement.plan.decode_chunk)
    ]
    return [video.cpu().numpy() for video in videos]


def end_frames(group: SegmentGroup, device: torch.device) -> torch.Tensor:
    """The group's first and last keyframes at its bucket: b 3 2 h w in [-1, 1]."""
    height, width = group.size
    pictures = [resize_and_center_crop(picture, width, height) for pair in group.pairs for picture in pair]
    return rearrange(to_model_range(pictures), "(b t) c h w -> b c t h w", t=2).to(device)


@torch.inference_mode()
def image_tokens(models: MultiFrameModels, frames: torch.Tensor) -> torch.Tensor:
    """CLIP vision tokens of each frame, resampled: b 3 t h w -> b video_length tokens c."""
    hidden = models.image_encoder(rearrange(frames, "b c t h w -> (b t) c h w")).last_hidden_state
    return models.image_projection(rearrange(hidden, "(b t) n c -> b t n c", t=frames.shape[2]))


def guided_image_tokens(
    models: MultiFrameModels, ends: list[torch.Tensor]
) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Each group's image tokens of its end frames and of blank (zero) frames. The encoder runs once
    per bucket for all its groups, and once more for the blank frames, which give every segment the
    same tokens: fewer, larger calls, where small ones leave the GPU waiting for the host."""
    dtype = next(models.image_encoder.parameters()).dtype
    by_size: dict[tuple[int, ...], list[int]] = {}
    for index, frames in enumerate(ends):
        by_size.setdefault(tuple(frames.shape[-2:]), []).append(index)
    tokens: dict[int, tuple[torch.Tensor, torch.Tensor]] = {}
    for indices in by_size.values():
        frames = torch.cat([ends[index] for index in indices]).to(dtype)
        positive = image_tokens(models, frames).split([len(ends[index]) for index in indices])
        blank = image_tokens(models, torch.zeros_like(frames[:1]))
        for index, part in zip(indices, positive, strict=True):
            tokens[index] = (part, blank.repeat(len(part), *[1] * (blank.ndim - 1)))
    return [tokens[index] for index in range(len(ends))]


def encode_conditions(
    models: MultiFrameModels, placement: Placement, groups: list[SegmentGroup], video_settings: VideoSettings
) -> list[Conditions]:
    """UNet inputs with and without guidance, and the VAE features for decoding, for every group."""
    placement.use(models.text_encoder, prefetch=[models.image_encoder, models.image_projection])
    texts = [
        encode_prompt(models.tokenizer, models.text_encoder, text) for text in (video_settings.prompt, "")
    ]
    ends = [end_frames(group, placement.device) for group in groups]
    placement.use(models.image_encoder, models.image_projection, prefetch=[models.vae])
    tokens = guided_image_tokens(models, ends)
    placement.use(models.vae, prefetch=[models.unet])
    vae_dtype = next(models.vae.parameters()).dtype
    conditions = []
    for frames, (positive_image, negative_image) in zip(ends, tokens, strict=True):
        frames = frames.to(vae_dtype)
        latents, _ = models.vae.encode(rearrange(frames, "b c t h w -> (b t) c h w"))
        latents = rearrange(latents, "(b t) c h w -> b c t h w", t=2)
        # Known first and last latents, zeros between, concatenated to the noisy input.
        middle = latents.new_zeros(
            *latents.shape[:2], video_settings.frames_per_segment - 2, *latents.shape[3:]
        )
        shared = {
            "concat_cond": torch.cat([latents[:, :, :1], middle, latents[:, :, 1:]], dim=2),
            "fs": torch.full((len(frames),), video_settings.fs, device=placement.device),
        }
        batch = len(frames)
        positive = {"context_text": texts[0].repeat(batch, 1, 1), "context_img": positive_image, **shared}
        negative = {"context_text": texts[1].repeat(batch, 1, 1), "context_img": negative_image, **shared}
        conditions.append(Conditions(positive, negative, frames))
    return conditions


def sample_group(
    models: MultiFrameModels,
    placement: Placement,
    group: SegmentGroup,
    conditions: Conditions,
    video_settings: VideoSettings,
    progress: Callable[[int, int], None] | None = None,
) -> torch.Tensor:
    """Latents b c t h w; segment i draws its noise from seed + i, as it would alone."""
    placement.use(models.unet, prefetch=[models.vae])
    dtype = next(models.unet.parameters()).dtype
    positive, negative = (_as_dtype(c, dtype) for c in (conditions.positive, conditions.negative))
    generators = [
        torch.Generator(placement.device).manual_seed(video_settings.seed + i) for i in group.indices
    ]
    schedule = DiscreteSchedule.from_betas(zero_terminal_snr(scaled_linear_betas()))
    denoiser = video_denoiser(
        models.unet, schedule, positive, negative, video_settings.cfg, batched_cfg=video_settings.batched_cfg
    )
    with tuned_convolutions(placement.plan.tune_convolutions):
        return sample_ddim_v_dynamic(
            denoiser,
            tuple(positive["concat_cond"].shape),
            schedule,
            trailing_timesteps(video_settings.steps),
            dynamic_x0_scale(),
            generators[0] if len(generators) == 1 else generators,
            device=placement.device,
            dtype=dtype,
            callback=progress,
        )


def _as_dtype(tensors: dict[str, torch.Tensor], dtype: torch.dtype) -> dict[str, torch.Tensor]:
    return {name: t.to(dtype) if t.is_floating_point() else t for name, t in tensors.items()}


def decode_group(
    models: MultiFrameModels,
    latents: torch.Tensor,
    conditions: Conditions,
    video_settings: VideoSettings,
    chunk: int | None,
) -> list[torch.Tensor]:
    """Decoded frames of each segment of the group: t h w 3 uint8, on the device. With a chunk, the
    segments are encoded and decoded one at a time, so that a batch of segments takes no more memory
    than one."""
    step = 1 if chunk else len(latents)
    return [
        video
        for start in range(0, len(latents), step)
        for video in _decode(
            models,
            latents[start : start + step],
            conditions.ends[start : start + step],
            video_settings,
            chunk,
        )
    ]


def _decode(
    models: MultiFrameModels,
    latents: torch.Tensor,  # b c t h w
    ends: torch.Tensor,  # b 3 2 h w
    video_settings: VideoSettings,
    chunk: int | None,
) -> list[torch.Tensor]:
    dtype = next(models.vae.parameters()).dtype
    _, features = models.vae.encode(rearrange(ends, "b c t h w -> (b t) c h w"))
    reference = end_frame_features(features, frames=2)
    count = video_settings.frames_per_segment
    pixels = models.vae.decode(
        rearrange(latents, "b c t h w -> (b t) c h w").to(dtype), reference, count, chunk
    )
    return list(video_to_frames(rearrange(pixels, "(b t) c h w -> b c t h w", t=count)))
