"""Stage 2: keyframes from the single-frame "undo" model (matches the reference app's `process`)."""

from __future__ import annotations

import dataclasses

import numpy as np
import torch

from paintsundo.errors import PaintsUndoError
from paintsundo.samplers import DiscreteSchedule, karras_sigmas, linear_betas, sample_dpmpp_2m
from paintsundo.samplers.contract import StepCallback
from paintsundo.timeline import Keyframe, Progress
from paintsundo.undo.pipeline.denoisers import single_frame_denoiser
from paintsundo.undo.pipeline.images import resize_and_center_crop, to_model_range, to_pictures
from paintsundo.undo.pipeline.settings import BLANK_STEP, KeyframeSettings
from paintsundo.undo.runtime.acceleration import tuned_convolutions
from paintsundo.undo.runtime.model_sets import SingleFrameModels
from paintsundo.undo.runtime.placement import Placement


def require_multiple(width: int, height: int, multiple: int) -> None:
    """The UNet halves the latents at each level, so the sides must divide evenly all the way down."""
    if width % multiple or height % multiple:
        raise PaintsUndoError(
            f"these models need sizes in multiples of {multiple} pixels, got {width}x{height}"
        )


@torch.inference_mode()
def encode_prompt(tokenizer: object, text_encoder: torch.nn.Module, text: str) -> torch.Tensor:
    """77 tokens, padded and truncated, through the text encoder: 1 77 c."""
    device = next(text_encoder.parameters()).device
    ids = tokenizer(
        text,
        padding="max_length",
        max_length=tokenizer.model_max_length,
        truncation=True,
        return_tensors="pt",
    ).input_ids
    return text_encoder(ids.to(device))


@torch.inference_mode()
def generate_keyframes(
    models: SingleFrameModels,
    placement: Placement,
    picture: np.ndarray,
    prompt: str,
    keyframe_settings: KeyframeSettings,
    progress: StepCallback | None = None,
) -> tuple[np.ndarray, list[np.ndarray]]:
    """The picture cropped to the keyframe size, and one picture per operation step (in order)."""
    device = placement.device
    require_multiple(
        keyframe_settings.width,
        keyframe_settings.height,
        8 * 2 ** (len(models.unet.config.block_out_channels) - 1),
    )
    generator = torch.Generator(device).manual_seed(keyframe_settings.seed)
    finished = resize_and_center_crop(picture, keyframe_settings.width, keyframe_settings.height)
    vae, unet = models.vae, models.unet
    placement.use(vae, prefetch=[models.text_encoder])
    scaling = vae.config.scaling_factor
    concat = vae.encode(to_model_range([finished]).to(device, vae.dtype)).latent_dist.mode() * scaling
    placement.use(models.text_encoder, prefetch=[unet])
    positive = encode_prompt(models.tokenizer, models.text_encoder, prompt)
    negative = encode_prompt(models.tokenizer, models.text_encoder, keyframe_settings.negative_prompt)
    placement.use(unet, prefetch=[vae])
    batch = len(keyframe_settings.operation_steps)
    steps = torch.tensor(keyframe_settings.operation_steps, dtype=torch.long, device=device)
    schedule = DiscreteSchedule.from_betas(linear_betas())
    sigmas = karras_sigmas(schedule, keyframe_settings.steps).to(device)
    # One noise draw, shared by every operation step (the reference's same_noise_in_batch).
    noise = torch.randn(concat.shape, generator=generator, device=device, dtype=unet.dtype).repeat(
        batch, 1, 1, 1
    )
    latents = torch.zeros_like(noise) + noise * sigmas[0].to(noise)
    denoiser = single_frame_denoiser(
        unet,
        schedule,
        positive.repeat(batch, 1, 1).to(unet.dtype),
        negative.repeat(batch, 1, 1).to(unet.dtype),
        concat.to(unet.dtype),
        steps,
        keyframe_settings.cfg,
        batched_cfg=keyframe_settings.batched_cfg,
    )
    with tuned_convolutions(placement.plan.tune_convolutions):
        latents = sample_dpmpp_2m(denoiser, latents, sigmas, progress)
    placement.use(vae)
    at_a_time = placement.plan.keyframe_decode_batch or len(latents)
    pictures = [vae.decode(part.to(vae.dtype) / scaling).sample for part in latents.split(at_a_time)]
    return finished, to_pictures(torch.cat(pictures))


def keyframe_sequence(
    models: SingleFrameModels,
    placement: Placement,
    picture: np.ndarray,
    prompt: str,
    keyframe_settings: KeyframeSettings,
    user: list[Keyframe] | None = None,
    progress: Progress | None = None,
) -> list[Keyframe]:
    """[input] + keyframes by operation step + [blank]; user keyframes replace generated ones at
    their step and add the rest."""
    user = user or []
    wanted = steps_to_generate(keyframe_settings, user)
    report = (lambda done, total: progress("keyframes", done, total)) if progress else None
    if wanted:
        run = dataclasses.replace(keyframe_settings, operation_steps=wanted)
        finished, generated = generate_keyframes(models, placement, picture, prompt, run, report)
    else:
        finished, generated = (
            resize_and_center_crop(picture, keyframe_settings.width, keyframe_settings.height),
            [],
        )
    middle = [Keyframe(step, image, "generated") for step, image in zip(wanted, generated, strict=True)]
    return framed_sequence(finished, middle + user)


def steps_to_generate(keyframe_settings: KeyframeSettings, user: list[Keyframe]) -> tuple[int, ...]:
    """The operation steps whose keyframes are generated: those no user keyframe takes."""
    taken = {keyframe.step for keyframe in user}
    return tuple(step for step in keyframe_settings.operation_steps if step not in taken)


def framed_sequence(finished: np.ndarray, middle: list[Keyframe]) -> list[Keyframe]:
    """The finished picture, the keyframes by operation step, then the blank canvas."""
    blank = np.full_like(finished, 255)
    ordered = sorted(middle, key=lambda keyframe: keyframe.step)
    return [Keyframe(0, finished, "input"), *ordered, Keyframe(BLANK_STEP, blank, "blank")]
