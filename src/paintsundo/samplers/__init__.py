"""Samplers as plain functions under k-diffusion's contract: `denoiser(x, level) -> denoised`.

The noise level is whatever the sampler steps through: sigma for DPM-Solver++, the discrete
timestep for the video model's DDIM (its zero-terminal-SNR schedule ends at infinite sigma).
Noise comes from the generator passed in, drawn in the reference app's order.
"""

from paintsundo.samplers.ddim import sample_ddim_v_dynamic
from paintsundo.samplers.dpmpp import sample_dpmpp_2m
from paintsundo.samplers.schedules import (
    DiscreteSchedule,
    karras_sigmas,
    linear_betas,
    scaled_linear_betas,
    trailing_timesteps,
    zero_terminal_snr,
)

__all__ = [
    "DiscreteSchedule",
    "karras_sigmas",
    "linear_betas",
    "sample_ddim_v_dynamic",
    "sample_dpmpp_2m",
    "scaled_linear_betas",
    "trailing_timesteps",
    "zero_terminal_snr",
]
