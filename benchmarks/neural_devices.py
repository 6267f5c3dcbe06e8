"""The neural flow on every device at hand, against the CPU in float32, on the tiny release checkpoints.

    python benchmarks/neural_devices.py [--models tests/data/tiny-release] [--picture PICTURE.npy]

Prints one table row per device, dtype and placement: seconds, peak GPU memory, and the largest
difference in levels (0..255) of the keyframes and the video against the first run on the same
device (noise is drawn on the device, as the reference does, so devices differ from each other). The picture
must already be at the keyframe size (64x80), so no resizing (and no OpenCV) is needed on a bare GPU
machine; by default it is the e2e case's input, cropped to that size.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch

from paintsundo.hub import layout
from paintsundo.pipeline.keyframes import keyframe_sequence
from paintsundo.pipeline.models import load_multi_frame, load_single_frame, modules_of
from paintsundo.pipeline.placement import MEMORY_PLANS, Placement
from paintsundo.pipeline.settings import KeyframeSettings, VideoSettings
from paintsundo.pipeline.video import video_frames

ROOT = Path(__file__).resolve().parents[1]
KEYFRAMES = KeyframeSettings(width=64, height=80, operation_steps=(400, 999), steps=3)
VIDEO = VideoSettings(steps=2, buckets=((80, 64),))


def run(models: Path, picture: np.ndarray, device: str, dtype: torch.dtype | None, mode: str) -> dict:
    target = torch.device(device)
    if target.type == "cuda":
        torch.cuda.reset_peak_memory_stats()
    started = time.perf_counter()
    paths = layout(models, "--models")
    single = load_single_frame(paths.single_frame, target, dtype)
    placement = Placement(target, MEMORY_PLANS[mode], [modules_of(single)])
    keys = keyframe_sequence(single, placement, picture, "1girl", KEYFRAMES)
    multi = load_multi_frame(paths.multi_frame, target, dtype)
    placement.add_stage(modules_of(multi))
    frames = video_frames(multi, placement, [k.picture for k in keys], VIDEO)
    peak = torch.cuda.max_memory_allocated() / 2**20 if target.type == "cuda" else 0.0
    return {
        "keyframes": np.stack([k.picture for k in keys]),
        "video": np.stack(frames),
        "seconds": time.perf_counter() - started,
        "peak_mib": peak,
        "placement": mode,
    }


def largest_difference(ours: np.ndarray, reference: np.ndarray) -> int:
    return int(np.abs(ours.astype(np.int16) - reference.astype(np.int16)).max())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=Path, default=ROOT / "tests" / "data" / "tiny-release")
    parser.add_argument("--picture", type=Path, default=ROOT / ".gpucase" / "input_64x80.npy")
    args = parser.parse_args()
    picture = np.load(args.picture)
    rows = [("cpu", "float32", run(args.models, picture, "cpu", torch.float32, "fast"))]
    if torch.cuda.is_available():
        rows.append(
            ("cuda", "float32, fast, again", run(args.models, picture, "cuda", torch.float32, "fast"))
        )
        for dtype, name in ((torch.float32, "float32"), (None, "reference dtypes")):
            for mode in MEMORY_PLANS:
                rows.append(("cuda", f"{name}, {mode}", run(args.models, picture, "cuda", dtype, mode)))
    print(f"{'device':8} {'dtype, placement':28} {'s':>6} {'peak MiB':>9} {'keyframes Δ':>12} {'video Δ':>8}")
    first = {}
    for device, label, result in rows:
        reference = first.setdefault(device, result)
        key = largest_difference(result["keyframes"], reference["keyframes"])
        video = largest_difference(result["video"], reference["video"])
        print(
            f"{device:8} {label:28} {result['seconds']:6.2f} {result['peak_mib']:9.1f} {key:12d} {video:8d}"
        )


if __name__ == "__main__":
    main()
