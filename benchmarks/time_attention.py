"""Attention along time (16 frames at each pixel) at the 3D UNet's shapes, by SDPA kernel and by how
many pixels' sequences make one masked sequence.

    python benchmarks/time_attention.py [--batch 4]

Each way runs eagerly, so that the kernel asked for is the one timed: compiled, Inductor lowers this
masked attention to the memory-efficient kernel whichever the order asks for. "frame-major" reads each
pixel's frames through strides from b t p (h d) tokens (one sequence per pixel, no copy); "packN"
is the package's attention_along_time on b p t (h d) tokens with N pixels a sequence. Per level: the
milliseconds of one call (the median over 20 samples of ten calls queued back to back), the share of
the GPU's memory bandwidth it reaches (reading q, k, v and writing the output once), and the relative
error against float32 math.
"""

from __future__ import annotations

import argparse

import torch
import torch.nn.functional as F
from einops import rearrange
from torch.nn.attention import SDPBackend, sdpa_kernel

from call_errors import relative_error
from paintsundo.models import attention
from released_random import median_gpu_milliseconds

LEVELS = ((320, 48 * 56), (640, 24 * 28), (1280, 12 * 14), (1280, 6 * 7))
HEAD_DIM = 64
BANDWIDTH = 3.35e12  # H100 SXM HBM3, bytes per second
KERNELS = {"efficient": SDPBackend.EFFICIENT_ATTENTION, "cudnn": SDPBackend.CUDNN_ATTENTION}
PACKS = (1, 2, 4, 8)


def frame_major(query: torch.Tensor, key: torch.Tensor, value: torch.Tensor, heads: int) -> torch.Tensor:
    """b p t (h d) tokens stored as b t p (h d): each sequence read through strides."""
    query, key, value = (rearrange(t, "b p t (h d) -> b (p h) t d", h=heads) for t in (query, key, value))
    out = F.scaled_dot_product_attention(query, key, value)
    return rearrange(out, "b (p h) t d -> b p t (h d)", h=heads)


def timed(attend, tokens: tuple, heads: int, kernel: SDPBackend) -> tuple[float, torch.Tensor]:
    def call():
        with sdpa_kernel([kernel]):
            return attend(*tokens, heads)

    with torch.inference_mode():
        return median_gpu_milliseconds(call, 20, back_to_back=10), call()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=4)
    args = parser.parse_args()
    device = torch.device("cuda")
    print(f"{torch.cuda.get_device_name(device)}, torch {torch.__version__}")
    print(f"{'channels x pixels':>18} {'way':>12} {'kernel':>10} {'ms':>8} {'of bandwidth':>12} {'error':>9}")
    for channels, pixels in LEVELS:
        heads = channels // HEAD_DIM
        torch.manual_seed(0)
        shape = (args.batch, 16, pixels, channels)
        stored = [torch.randn(shape, device=device, dtype=torch.float16) for _ in range(3)]
        by_frame = tuple(t.transpose(1, 2) for t in stored)  # b p t c views of b t p c memory
        by_pixel = tuple(t.contiguous() for t in by_frame)
        attention.POSITIONS_PER_SEQUENCE = 1
        exact = attention.attention_along_time(*(t.float() for t in by_pixel), heads)
        moved = 4 * stored[0].numel() * stored[0].element_size()
        ways = [("frame-major", frame_major, by_frame, 1)]
        ways += [(f"pack{n}", attention.attention_along_time, by_pixel, n) for n in PACKS]
        for name, attend, tokens, pack in ways:
            attention.POSITIONS_PER_SEQUENCE = pack
            for kernel_name, kernel in KERNELS.items():
                try:
                    milliseconds, out = timed(attend, tokens, heads, kernel)
                except RuntimeError as error:
                    print(f"{channels:>8} x {pixels:<7} {name:>12} {kernel_name:>10} {str(error)[:60]}")
                    continue
                error = relative_error(out, exact)
                share = moved / (milliseconds / 1e3) / BANDWIDTH
                print(
                    f"{channels:>8} x {pixels:<7} {name:>12} {kernel_name:>10} {milliseconds:8.3f}"
                    f" {share:12.1%} {error:9.2e}"
                )


if __name__ == "__main__":
    main()
