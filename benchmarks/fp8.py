"""FP8 matmuls for both UNets, measured against their fp16 selves in one process, at the released sizes
with random weights: each UNet's per-call error and time, the default job's time and its frames'
PSNR. Prints tables. Needs a GPU with FP8 tensor cores (Hopper or later).

    python benchmarks/fp8.py [--weights DIR] [--repeats 1]

Every linear layer and pointwise convolution of both UNets computes in float8 e4m3 through
`torch._scaled_mm`: weights scaled per output channel once, activations per row on each call (FP8
formats for deep learning, Micikevicius et al. 2022). Measured eager: the job's other work is the
same in both runs.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch import nn

from first_picture import PICTURE, PROMPT, job, psnr, write_weights
from paintsundo.hub import layout
from paintsundo.undo.pipeline.paints_undo import PaintsUndoPipeline
from released_random import median_seconds

E4M3 = torch.float8_e4m3fn
E4M3_MAX = torch.finfo(E4M3).max


def quantised_rows(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """x (rows, k) in e4m3 with one float32 scale per row (rows, 1)."""
    scale = x.abs().amax(dim=1, keepdim=True).float().clamp(min=1e-12) / E4M3_MAX
    return (x / scale).to(E4M3), scale


class Fp8Matmul(nn.Module):
    """x W^T + b over the last dimension of x, in e4m3 with fp32 scales, out in x's dtype."""

    def __init__(self, weight: torch.Tensor, bias: torch.Tensor | None) -> None:
        super().__init__()
        quantised, scale = quantised_rows(weight.detach().float())  # out in, out 1
        self.register_buffer("weight_fp8", quantised)
        self.register_buffer("weight_scale", scale.t().contiguous())  # 1 out
        self.bias = None if bias is None else nn.Parameter(bias.detach(), requires_grad=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        rows = x.reshape(-1, x.shape[-1])
        quantised, scale = quantised_rows(rows)
        # Row-wise scaled FP8 GEMMs write bf16; the bias is added after, in x's dtype.
        out = torch._scaled_mm(
            quantised, self.weight_fp8.t(), scale_a=scale, scale_b=self.weight_scale, out_dtype=torch.bfloat16
        ).to(x.dtype)
        if self.bias is not None:
            out = out + self.bias
        return out.reshape(*x.shape[:-1], out.shape[-1])


class Fp8PointwiseConv(nn.Module):
    """A 1x1 (or 1x1x1) convolution as an FP8 matmul over channels."""

    def __init__(self, conv: nn.Conv2d | nn.Conv3d) -> None:
        super().__init__()
        self.matmul = Fp8Matmul(conv.weight.flatten(1), conv.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.matmul(x.movedim(1, -1)).movedim(-1, 1)


def _fp8_replacement(module: nn.Module) -> nn.Module | None:
    if isinstance(module, nn.Linear) and module.in_features % 16 == 0 and module.out_features % 16 == 0:
        return Fp8Matmul(module.weight, module.bias)
    pointwise = isinstance(module, (nn.Conv2d, nn.Conv3d)) and all(k == 1 for k in module.kernel_size)
    plain = pointwise and module.groups == 1 and all(s == 1 for s in module.stride)
    if plain and module.in_channels % 16 == 0 and module.out_channels % 16 == 0:
        return Fp8PointwiseConv(module)
    return None


def use_fp8(model: nn.Module) -> int:
    """Replace the model's linear layers and pointwise convolutions by FP8 ones; how many."""
    replaced = 0
    for parent in list(model.modules()):
        for name, child in list(parent.named_children()):
            replacement = _fp8_replacement(child)
            if replacement is not None:
                setattr(parent, name, replacement)
                replaced += 1
    return replaced


def first_call(unet: nn.Module, run) -> tuple[tuple, dict]:
    """The arguments of the UNet's first call while `run` runs."""
    seen = []
    handle = unet.register_forward_pre_hook(lambda _, a, k: seen.append((a, k)) or None, with_kwargs=True)
    try:
        run()
    finally:
        handle.remove()
    return seen[0]


def unet_rows(pipeline: PaintsUndoPipeline, picture: np.ndarray) -> list[tuple]:
    """Each UNet's first call in the 2-step job, in fp16 then FP8: error, times, layers replaced."""
    calls = {}
    short = job(2)
    calls["single-frame"] = first_call(
        pipeline.single.unet, lambda: pipeline.keyframes(picture, short[0], PROMPT)
    )
    keyframes = pipeline.keyframes(picture, short[0], PROMPT)
    calls["video"] = first_call(pipeline.multi.unet, lambda: pipeline.video(keyframes, short[1]))
    unets = {"single-frame": pipeline.single.unet, "video": pipeline.multi.unet}

    def each_call() -> dict:
        return {
            name: median_seconds(lambda u=u, c=calls[name]: u(*c[0], **c[1]), 10) for name, u in unets.items()
        }

    with torch.inference_mode():
        fp16 = each_call()
        replaced = {name: use_fp8(unet) for name, unet in unets.items()}
        fp8 = each_call()
    rows = []
    for name in unets:
        (fp16_s, expected), (fp8_s, ours) = fp16[name], fp8[name]
        expected, ours = (out if isinstance(out, torch.Tensor) else out[0] for out in (expected, ours))
        error = float((ours.float() - expected.float()).norm() / expected.float().norm())
        batch = len(calls[name][0][0])
        rows.append((f"{name} UNet (batch {batch}, {replaced[name]} layers FP8)", error, fp16_s, fp8_s))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--weights", type=Path, default=Path(tempfile.gettempdir()) / "paintsundo-random-weights"
    )
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    weights = write_weights(args.weights)
    print(f"{torch.cuda.get_device_name()}, torch {torch.__version__}", flush=True)
    with Image.open(PICTURE) as image:
        picture = np.asarray(image.convert("RGB"))
    pipeline = PaintsUndoPipeline(layout(weights, "benchmark"), "cuda", "fast")
    pipeline(picture, *job(2), prompt=PROMPT)  # warm-up

    def whole_job() -> list[np.ndarray]:
        return pipeline(picture, *job(), prompt=PROMPT).frames

    fp16_job, reference = median_seconds(whole_job, args.repeats)
    print(f"default job, fp16 eager: {fp16_job:.2f} s", flush=True)
    rows = unet_rows(pipeline, picture)
    print(f"{'one UNet call, eager':52} {'rel. error':>10} {'fp16 ms':>9} {'fp8 ms':>9}")
    for what, error, fp16_s, fp8_s in rows:
        print(f"{what:52} {error:10.2e} {1e3 * fp16_s:9.2f} {1e3 * fp8_s:9.2f}", flush=True)
    pipeline(picture, *job(2), prompt=PROMPT)  # warm-up of the FP8 kernels
    fp8_job, frames = median_seconds(whole_job, args.repeats)
    difference = int(np.abs(np.stack(frames).astype(int) - np.stack(reference).astype(int)).max())
    print(f"{'default job, eager':52} {'fp16 s':>10} {'fp8 s':>9} {'frames against fp16'}")
    print(
        f"{'':52} {fp16_job:10.2f} {fp8_job:9.2f} PSNR {psnr(frames, reference):.1f} dB,"
        f" max {difference} levels"
    )


if __name__ == "__main__":
    main()
