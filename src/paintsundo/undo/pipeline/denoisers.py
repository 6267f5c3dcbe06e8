"""The two models wrapped as denoisers for the samplers, with classifier-free guidance.

CFG: Ho & Salimans 2022. Guidance rescale: Lin et al. 2023, section 3.4 (matches the reference app).
"""

from __future__ import annotations

import torch

from paintsundo.models.single_frame import SingleFrameUNet
from paintsundo.models.unet3d import UNet3D
from paintsundo.samplers.contract import Denoiser
from paintsundo.samplers.schedules import DiscreteSchedule


def single_frame_denoiser(
    unet: SingleFrameUNet,
    schedule: DiscreteSchedule,
    positive: torch.Tensor,  # b tokens c
    negative: torch.Tensor,  # b tokens c
    concat_conds: torch.Tensor,  # 1 4 h w, latent of the finished picture
    operation_steps: torch.Tensor,  # b
    cfg: float,
    batched_cfg: bool = False,
) -> Denoiser:
    """Epsilon-predicting UNet in k-diffusion's sigma parameterisation: denoised = x - sigma * eps.

    batched_cfg runs the guided and unguided passes as one batch (faster; the reference runs two)."""
    schedule = schedule.to(concat_conds.device)  # steps are looked up where sigma is, without a copy

    def denoise(x: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
        sigma4 = sigma[:, None, None, None]
        scaled = (x / (sigma4**2 + 1) ** 0.5).to(unet.dtype)
        step = schedule.timestep(sigma)
        if batched_cfg:
            both = unet.undo(
                torch.cat([scaled, scaled]),
                torch.cat([step, step]),
                torch.cat([positive, negative]),
                concat_conds,
                torch.cat([operation_steps, operation_steps]),
            )
            eps_positive, eps_negative = both.chunk(2)
        else:
            eps_positive = unet.undo(scaled, step, positive, concat_conds, operation_steps)
            eps_negative = unet.undo(scaled, step, negative, concat_conds, operation_steps)
        eps = eps_negative + cfg * (eps_positive - eps_negative)
        return x - eps * sigma4

    return denoise


def rescale_guidance(guided: torch.Tensor, positive: torch.Tensor, factor: float) -> torch.Tensor:
    """Blend the guided prediction with itself rescaled to the positive prediction's std per sample."""
    dims = list(range(1, guided.ndim))
    rescaled = guided * (positive.std(dim=dims, keepdim=True) / guided.std(dim=dims, keepdim=True))
    return factor * rescaled + (1 - factor) * guided


# The inputs in which the positive and negative conditions of the video UNet differ.
CONTEXTS = ("context_text", "context_img")


def guided_pair(positive: dict[str, torch.Tensor], negative: dict[str, torch.Tensor]) -> dict:
    """Video UNet inputs for both conditions in one call: the contexts stacked (positive first), the
    rest shared, so that the UNet computes what precedes cross-attention once."""
    for name in positive.keys() - CONTEXTS:
        if not torch.equal(positive[name], negative[name]):
            raise ValueError(f"the positive and negative conditions differ in {name}, not only in contexts")
    return {
        name: torch.cat([positive[name], negative[name]]) if name in CONTEXTS else positive[name]
        for name in positive
    }


def video_denoiser(
    unet: UNet3D,
    schedule: DiscreteSchedule,
    positive: dict[str, torch.Tensor],
    negative: dict[str, torch.Tensor],
    cfg: float,
    guidance_rescale: float = 0.7,
    batched_cfg: bool = False,
) -> Denoiser:
    """v-predicting 3D UNet as x0 = sqrt(a) x - sqrt(1 - a) v, guided and rescaled on v."""
    both = guided_pair(positive, negative) if batched_cfg else None
    device_schedule = schedule.to(positive["concat_cond"].device)
    sqrt_alpha, sqrt_one_minus = (
        device_schedule.sqrt_alphas_cumprod,
        device_schedule.sqrt_one_minus_alphas_cumprod,
    )
    dtype = next(unet.parameters()).dtype

    def denoise(x: torch.Tensor, step: torch.Tensor) -> torch.Tensor:
        x = x.to(dtype)
        if both is not None:
            v_positive, v_negative = unet(x, step, **both).chunk(2)
        else:
            v_positive = unet(x, step, **positive)
            v_negative = unet(x, step, **negative)
        v = rescale_guidance(v_negative + cfg * (v_positive - v_negative), v_positive, guidance_rescale)
        index = step.long()  # the samplers hand steps over in x's dtype
        return scaled_per_item(sqrt_alpha[index], x) - scaled_per_item(sqrt_one_minus[index], v)

    return denoise


def scaled_per_item(coefficients: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """x scaled by a float32 coefficient per batch item, rounded once to x's dtype: the same numbers
    as scaling by each coefficient as a Python float, without reading it back from the GPU (which
    would make the host wait for the GPU at every step)."""
    return (coefficients.view(-1, *[1] * (x.ndim - 1)) * x).to(x.dtype)
