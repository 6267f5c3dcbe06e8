"""The attention over pixels and text of one 3D UNet call, timed per shape with each SDPA backend.

    python benchmarks/attention_shapes.py [--batch 2]

One forward at the released size (random weights, the default job's bucket) records the shape of every
multi-head attention call (attention along time has its own script, time_attention.py); each distinct
shape is then timed alone with each backend PyTorch offers (flash, memory-efficient, cuDNN, math) on
fresh random inputs, with its relative error against float32 math. The table gives milliseconds per
UNet call (time per attention call times the number of such calls).
"""

from __future__ import annotations

import argparse
from collections import Counter
from unittest import mock

import torch
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel

from call_errors import relative_error
from paintsundo.models import attention
from paintsundo.models.unet3d import transformers
from paintsundo.weights.release import MULTI_FRAME
from released_random import median_gpu_milliseconds, random_component
from unet_profile import inputs

BACKENDS = {
    "flash": SDPBackend.FLASH_ATTENTION,
    "efficient": SDPBackend.EFFICIENT_ATTENTION,
    "cudnn": SDPBackend.CUDNN_ATTENTION,
    "math": SDPBackend.MATH,
}


def recorded_shapes(batch: int) -> Counter:
    """(query shape, key shape) of every attention call in one forward, as b h n d."""
    device = torch.device("cuda")
    unet = random_component(MULTI_FRAME, "unet", device, None)
    shapes: Counter = Counter()
    original = attention.multi_head_attention

    def recording(query, key, value, heads):
        shapes[(query.shape[0], heads, query.shape[1], key.shape[1], query.shape[2] // heads)] += 1
        return original(query, key, value, heads)

    with mock.patch.object(transformers, "multi_head_attention", recording), torch.inference_mode():
        unet(**inputs(unet, batch))
    del unet
    torch.cuda.empty_cache()
    return shapes


def time_shape(shape: tuple, dtype: torch.dtype) -> dict[str, tuple[float, float]]:
    """backend -> (milliseconds, relative error against float32 math), on tokens laid out b n (h d)."""
    batch, heads, queries, keys, dim = shape
    device = torch.device("cuda")

    def tokens(count):
        raw = torch.randn(batch, count, heads, dim, device=device, dtype=dtype)
        return raw.transpose(1, 2)  # b h n d, strided as the UNet's rearranged projections are

    query, key, value = tokens(queries), tokens(keys), tokens(keys)
    with sdpa_kernel([SDPBackend.MATH]):
        exact = F.scaled_dot_product_attention(query.float(), key.float(), value.float())
    results = {}
    for name, backend in BACKENDS.items():
        try:
            with sdpa_kernel([backend]):
                out = F.scaled_dot_product_attention(query, key, value)
                milliseconds = median_gpu_milliseconds(
                    lambda: F.scaled_dot_product_attention(query, key, value), 20, back_to_back=10
                )
        except RuntimeError:
            continue
        error = relative_error(out, exact)
        results[name] = (milliseconds, error)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=2)
    args = parser.parse_args()
    shapes = recorded_shapes(args.batch)
    dtype = torch.float16
    totals = Counter()
    columns = tuple(BACKENDS)
    print(f"{'b h n_q n_k d':28} {'calls':>5} " + " ".join(f"{name:>18}" for name in columns))
    for shape, count in sorted(shapes.items(), key=lambda item: -item[0][2] * item[0][3] * item[0][0]):
        results = time_shape(shape, dtype)
        cells = []
        for name in columns:
            if name in results:
                milliseconds, error = results[name]
                totals[name] += milliseconds * count
                cells.append(f"{milliseconds * count:8.3f} ({error:.0e})")
            else:
                cells.append(f"{'-':>18}")
        print(f"{' '.join(map(str, shape)):28} {count:5} " + " ".join(f"{c:>18}" for c in cells), flush=True)
    print(f"{'total ms per UNet call':34} " + " ".join(f"{totals[name]:18.3f}" for name in columns))


if __name__ == "__main__":
    main()
