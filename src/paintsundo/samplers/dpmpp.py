"""DPM-Solver++(2M) (Lu et al. 2022, "DPM-Solver++", multistep second order), k-diffusion's form."""

from __future__ import annotations

import torch

from paintsundo.samplers.contract import Denoiser, StepCallback


@torch.no_grad()
def sample_dpmpp_2m(
    denoiser: Denoiser, x: torch.Tensor, sigmas: torch.Tensor, callback: StepCallback | None = None
) -> torch.Tensor:
    """Integrate from sigmas[0] to sigmas[-1] (usually 0); x starts as noise at sigmas[0]."""
    previous = None
    ones = x.new_ones([len(x)])
    # Read once: testing a GPU tensor each step would make the host wait for the GPU every step.
    final = (sigmas == 0).tolist()
    for index in range(len(sigmas) - 1):
        sigma, sigma_next = sigmas[index], sigmas[index + 1]
        denoised = denoiser(x, sigma * ones)
        t, t_next = -sigma.log(), -sigma_next.log()
        h = t_next - t
        if previous is not None and not final[index + 1]:
            ratio = (t - (-sigmas[index - 1].log())) / h
            blended = (1 + 1 / (2 * ratio)) * denoised - (1 / (2 * ratio)) * previous
        else:
            blended = denoised
        x = (sigma_next / sigma) * x - (-h).expm1() * blended
        previous = denoised
        if callback is not None:
            callback(index + 1, len(sigmas) - 1)
    return x
