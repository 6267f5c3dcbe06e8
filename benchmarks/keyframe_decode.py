"""The keyframe VAE decoder compiled against eager: time per keyframe, and each one's error from a
float32 decode of the same latents.

    python benchmarks/keyframe_decode.py [--size 512x640] [--repeats 10]

The released VAE with random weights, in its reference dtype (bfloat16), one keyframe at a time as
fast and low mode decode them. Prints a table: median milliseconds per keyframe, relative error against
float32, and the compiled decode's error against the eager one.
"""

from __future__ import annotations

import argparse
import copy

import torch

from call_errors import relative_error
from paintsundo.pipeline.acceleration import compile_image_decoder
from paintsundo.settings import parse_size
from paintsundo.weights.release import SINGLE_FRAME
from released_random import median_gpu_milliseconds, random_component


@torch.inference_mode()
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="512x640")
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()
    width, height = parse_size(args.size)
    device = torch.device("cuda")
    vae = random_component(SINGLE_FRAME, "vae", device, None)
    exact_vae = copy.deepcopy(vae).float()
    torch.manual_seed(0)
    latents = torch.randn(1, 4, height // 8, width // 8, device=device, dtype=vae.dtype)
    exact = exact_vae.decode(latents.float()).sample
    eager_ms = median_gpu_milliseconds(lambda: vae.decode(latents), args.repeats)
    eager = vae.decode(latents).sample
    compile_image_decoder(vae.decoder)
    compiled_ms = median_gpu_milliseconds(lambda: vae.decode(latents), args.repeats)
    compiled = vae.decode(latents).sample
    print(f"{torch.cuda.get_device_name(device)}, one {width}x{height} keyframe, {vae.dtype}")
    print(f"{'decoder':10} {'ms':>8} {'error against float32':>22}")
    for name, milliseconds, picture in (("eager", eager_ms, eager), ("compiled", compiled_ms, compiled)):
        print(f"{name:10} {milliseconds:8.2f} {relative_error(picture, exact):22.1e}")
    print(f"compiled against eager: {relative_error(compiled, eager):.1e}; {eager_ms / compiled_ms:.2f}x")


if __name__ == "__main__":
    main()
