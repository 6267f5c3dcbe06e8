"""What every sampler here shares, after k-diffusion: a denoiser maps (x, noise level) to the
denoised x, and a callback hears (steps done, steps in all) after each step."""

from __future__ import annotations

from collections.abc import Callable

import torch

Denoiser = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
StepCallback = Callable[[int, int], None]
