"""Where the video stage's time goes outside sampling: a profile of encoding the conditions and of
decoding, in fast mode, at the released sizes with random weights.

    python benchmarks/video_phases.py [--rows 12]
"""

from __future__ import annotations

import argparse

import numpy as np
import torch
from PIL import Image
from torch.profiler import ProfilerActivity, profile

from paintsundo.pipeline import video as video_stage
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
        latents = torch.randn_like(conditions[0].positive["concat_cond"])
        decode_profile, (decode_seconds, _) = profiled(
            lambda latents=latents, condition=conditions[0]: video_stage.decode_group(
                multi, latents, condition, settings, FAST.decode_chunk
            )
        )
    print(f"encode 7 segments: {seconds:.3f} s; decode one segment: {decode_seconds:.3f} s")
    for name, report in (("encode", encode_profile), ("decode", decode_profile)):
        print(f"\n{name}, by CUDA time")
        print(report.key_averages().table(sort_by="cuda_time_total", row_limit=args.rows))
        print(f"\n{name}, by CPU time")
        print(report.key_averages().table(sort_by="cpu_time_total", row_limit=args.rows))


if __name__ == "__main__":
    main()
