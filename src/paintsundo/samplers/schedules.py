"""Noise schedules of the two Paints-UNDO models."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import torch

TRAIN_STEPS = 1000


def linear_betas(start: float = 0.00085, end: float = 0.020, steps: int = TRAIN_STEPS) -> np.ndarray:
    """Betas linear in beta: the single-frame model's training schedule (its README)."""
    return np.linspace(start, end, steps, dtype=np.float64)


def scaled_linear_betas(start: float = 0.00085, end: float = 0.012, steps: int = TRAIN_STEPS) -> np.ndarray:
    """Betas linear in sqrt(beta): Stable Diffusion's schedule."""
    return np.linspace(start**0.5, end**0.5, steps, dtype=np.float64) ** 2


def zero_terminal_snr(betas: np.ndarray) -> np.ndarray:
    """Rescale betas so the last step has zero signal (Lin et al. 2023, "Common Diffusion Noise
    Schedules and Sample Steps are Flawed", Algorithm 1)."""
    root = np.sqrt(np.cumprod(1.0 - betas))
    first, last = root[0].copy(), root[-1].copy()
    root = (root - last) * first / (first - last)
    alphas_bar = root**2
    alphas = np.concatenate([alphas_bar[:1], alphas_bar[1:] / alphas_bar[:-1]])
    return 1.0 - alphas


@dataclass(frozen=True)
class DiscreteSchedule:
    """Cumulative alphas of a discrete schedule, as float32 like the reference computes them."""

    alphas_cumprod: torch.Tensor  # TRAIN_STEPS
    sqrt_alphas_cumprod: torch.Tensor  # square roots taken in float64 before rounding
    sqrt_one_minus_alphas_cumprod: torch.Tensor

    @classmethod
    def from_betas(cls, betas: np.ndarray) -> DiscreteSchedule:
        alphas_cumprod = np.cumprod(1.0 - betas, axis=0)

        def as_float32(values: np.ndarray) -> torch.Tensor:
            return torch.tensor(values, dtype=torch.float32)

        return cls(
            as_float32(alphas_cumprod),
            as_float32(np.sqrt(alphas_cumprod)),
            as_float32(np.sqrt(1.0 - alphas_cumprod)),
        )

    def to(self, device: torch.device | str) -> DiscreteSchedule:
        """The same schedule on a device: looking up steps there then needs no copy to or from it."""
        return DiscreteSchedule(*(getattr(self, field.name).to(device) for field in dataclasses.fields(self)))

    @property
    def sigmas(self) -> torch.Tensor:
        """sigma = sqrt((1 - alpha_bar) / alpha_bar) per training step."""
        return ((1 - self.alphas_cumprod) / self.alphas_cumprod) ** 0.5

    def timestep(self, sigma: torch.Tensor) -> torch.Tensor:
        """The training step whose sigma is nearest in log space."""
        distances = sigma.log().to(self.sigmas.device)[None] - self.sigmas.log()[:, None]
        return distances.abs().argmin(dim=0).view(sigma.shape).to(sigma.device)


def karras_sigmas(schedule: DiscreteSchedule, steps: int, rho: float = 7.0) -> torch.Tensor:
    """Karras et al. 2022 (EDM) sigmas between the schedule's extremes, then a final 0: steps + 1."""
    sigmas = schedule.sigmas
    ramp = torch.linspace(0, 1, steps)
    low, high = sigmas[0] ** (1 / rho), sigmas[-1] ** (1 / rho)
    return torch.cat([(high + ramp * (low - high)) ** rho, torch.zeros(1)])


def trailing_timesteps(steps: int, train_steps: int = TRAIN_STEPS) -> torch.Tensor:
    """Evenly spaced steps that end on the last training step ("trailing", Lin et al. 2023), ascending."""
    spaced = np.flip(np.round(np.arange(train_steps, 0, -train_steps / steps))).astype(np.int64)
    return torch.from_numpy(spaced.copy() - 1)


def dynamic_x0_scale(
    turning_step: int = 400, terminal: float = 0.7, train_steps: int = TRAIN_STEPS
) -> torch.Tensor:
    """The video model's per-step x0 scale: 1 falling linearly to 0.7 over the first 400 steps."""
    scale = np.concatenate(
        [np.linspace(1.0, terminal, turning_step), np.full(train_steps - turning_step, terminal)]
    )
    return torch.tensor(scale, dtype=torch.float32)
