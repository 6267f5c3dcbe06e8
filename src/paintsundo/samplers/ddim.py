"""DDIM (Song et al. 2021) with eta = 1 for the video model, with the reference's dynamic x0 rescale:
each step scales the predicted x0 by scale(t_prev) / scale(t) (matches the reference app)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch

from paintsundo.samplers.contract import Denoiser, StepCallback
from paintsundo.samplers.schedules import DiscreteSchedule


@torch.no_grad()
def sample_ddim_v_dynamic(
    denoiser: Denoiser,
    shape: tuple[int, ...],
    schedule: DiscreteSchedule,
    timesteps: torch.Tensor,  # ascending training steps, e.g. trailing_timesteps(50)
    x0_scale: torch.Tensor,  # per training step
    generator: torch.Generator | Sequence[torch.Generator],
    device: torch.device | str = "cpu",
    dtype: torch.dtype = torch.float32,
    callback: StepCallback | None = None,
) -> torch.Tensor:
    """Sample from pure noise: one draw for x, then one per step, from `generator` (reference order).

    With one generator per batch item, each item gets exactly the noise it would get alone, so
    independent videos (segments with their own seeds) can share a batch."""
    draw = _noise_source(generator, shape[1:], device, dtype)
    x = draw(shape[0])
    previous_steps = torch.nn.functional.pad(timesteps[:-1], (1, 0))  # the last step lands on step 0
    alphas = schedule.alphas_cumprod[timesteps]
    alphas_prev = schedule.alphas_cumprod[previous_steps]
    sigmas = ((1 - alphas_prev) / (1 - alphas) * (1 - alphas / alphas_prev)).sqrt()
    rescale = x0_scale[previous_steps] / x0_scale[timesteps]
    # Every coefficient as Python numbers up front: the loop then reads no tensor, so the host queues
    # step after step without waiting for the GPU.
    coefficients = [t.tolist() for t in (timesteps, alphas, alphas_prev, sigmas, rescale)]
    ones = x.new_ones([len(x)])
    for done, index in enumerate(reversed(range(len(timesteps)))):
        step, alpha, a_prev, sigma, x0_rescale = (values[index] for values in coefficients)
        pred_x0 = denoiser(x, step * ones)
        eps = (x - alpha**0.5 * pred_x0) / (1 - alpha) ** 0.5
        direction = max(1.0 - a_prev - sigma**2, 0.0) ** 0.5 * eps
        noise = sigma * draw(len(x))
        x = a_prev**0.5 * (pred_x0 * x0_rescale) + direction + noise
        if callback is not None:
            callback(done + 1, len(timesteps))
    return x


def _noise_source(
    generator: torch.Generator | Sequence[torch.Generator], item_shape: tuple[int, ...], device, dtype
) -> Callable[[int], torch.Tensor]:
    """draw(batch) -> noise of batch x item_shape, from one generator or one per item."""
    if isinstance(generator, torch.Generator):
        return lambda batch: torch.randn(
            (batch, *item_shape), generator=generator, device=device, dtype=dtype
        )

    def per_item(batch: int) -> torch.Tensor:
        if batch != len(generator):
            raise ValueError(f"{len(generator)} generators for a batch of {batch}")
        return torch.cat(
            [torch.randn((1, *item_shape), generator=g, device=device, dtype=dtype) for g in generator]
        )

    return per_item
