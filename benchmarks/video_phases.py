"""Where the video stage's time goes outside sampling: a profile of encoding the conditions and of
decoding (7 segments), in fast mode, at the released sizes with random weights.

    python benchmarks/video_phases.py [--rows 12] [--compile]

With --compile, decoding is then profiled again with the decoder's per-frame work compiled, and the
median seconds of both decodes are compared.
"""

from __future__ import annotations

import argparse

import numpy as np
import torch
from PIL import Image
from torch.profiler import ProfilerActivity, profile

from paintsundo.pipeline import video as video_stage
from paintsundo.pipeline.acceleration import compile_video_decoder
from paintsundo.pipeline.models import modules_of
from paintsundo.pipeline.placement import Placement
from paintsundo.pipeline.settings import FAST, VideoSettings
from released_random import ROOT, random_models, synchronised_seconds


def profiled(action) -> tuple[profile, tuple[float, object]]:
    with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]) as report:
        result = synchronised_seconds(action)
    return report, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=12)
    parser.add_argument("--compile", action="store_true", help="also profile the compiled decoder")
    args = parser.parse_args()
    device = torch.device("cuda")
    _, multi = random_models(device, None)
    placement = Placement(device, FAST, [modules_of(multi)])
    with Image.open(ROOT / "examples" / "1.jpg") as image:
        picture = np.asarray(image.convert("RGB").resize((512, 640)))
    settings = VideoSettings(steps=2)
    groups = video_stage.group_segments([(picture, picture)] * 7, settings, segment_batch=1)
    for _ in range(2):  # the first round warms up cuDNN and the allocators
        encode_profile, (seconds, conditions) = profiled(
            lambda: video_stage.encode_conditions(multi, placement, groups, settings)
        )
    print(f"encode 7 segments: {seconds:.3f} s")
    report("encode", encode_profile, args.rows)
    latents = torch.randn_like(conditions[0].positive["concat_cond"])
    decodes = [("eager", None)] + [("compiled", compile_video_decoder)] * args.compile
    medians = {}
    for name, prepare in decodes:
        if prepare:
            prepare(multi.vae.decoder)

        def decode(latents=latents):
            """All 7 segments, then their frames to the host, as the video stage does."""
            videos = [
                video
                for condition in conditions
                for video in video_stage.decode_group(multi, latents, condition, settings, FAST.decode_chunk)
            ]
            return [video.cpu() for video in videos]

        times = [synchronised_seconds(decode)[0] for _ in range(4)]  # the first compiles and tunes
        medians[name] = float(np.median(times[1:]))
        decode_profile, _ = profiled(decode)
        listed = ", ".join(f"{t:.3f}" for t in times[1:])
        print(f"\ndecode 7 segments, {name}: median {medians[name]:.3f} s of {listed}")
        report(f"decode, {name}", decode_profile, args.rows)
    if args.compile:
        print(f"\ncompiled decode: {medians['eager'] / medians['compiled']:.2f}x the eager one")


def report(name: str, result: profile, rows: int) -> None:
    print(f"\n{name}, by CUDA time")
    print(result.key_averages().table(sort_by="cuda_time_total", row_limit=rows))
    print(f"\n{name}, by CPU time")
    print(result.key_averages().table(sort_by="cpu_time_total", row_limit=rows))


if __name__ == "__main__":
    main()
