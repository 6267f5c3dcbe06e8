"""The default Paints-UNDO job at the released sizes, with random weights, on one GPU. Prints tables.

    python benchmarks/neural.py [--steps 50] [--keyframe-size 512x640] [--dtype reference|float16|bfloat16]
                                [--variants plain,fast,balanced,low,quick,fast+compile,...]

Each variant runs the whole job: keyframes (6 operation steps, CFG) and 7 video segments, both stages
with their text, image and VAE encoders and decoders. Speed does not depend on weight values, so the
weights are random (scaled so that activations stay finite). "plain" is our pipeline without any
optimisation (two CFG passes, whole-batch decodes, weights resident): every other variant reports its
speed-up over it, and PSNR/SSIM of its frames against it. A variant is a memory mode (fast, balanced,
low) or "quick" (the quick preset in fast mode), plus "+compile" (the blocks each model declares,
as `--compile` does; compiled variants come last, since nothing is uncompiled), "+segmentsN" (N
segments in one batch, all 7 without N; otherwise the memory mode's number) and "+stepsK/V" (K
keyframe and V video steps). The video stage's time is split into its phases: encoding the
conditions, sampling and decoding. A first table gives each optimised model call's relative error
against the plain call on the same inputs; a last one, after compiled variants, each compiled call's
against the same call run eagerly.
"""

from __future__ import annotations

import argparse
import dataclasses
import os

import numpy as np
import torch
from PIL import Image

from _shared import ROOT
from _shared.call_errors import print_call_errors
from _shared.released_random import matmul_rate, random_models, synchronised_seconds, unet_flops
from _shared.variants import VIDEO_PHASES, compile_models, parse_variant, run_job
from paintsundo.sizes import parse_size
from paintsundo.undo.pipeline.images import nearest_bucket
from paintsundo.undo.pipeline.settings import KeyframeSettings, VideoSettings, allocator_environment
from paintsundo.undo.settings import parse_buckets


def quality(frames: np.ndarray, reference: np.ndarray) -> tuple[float, float]:
    """PSNR (dB) and mean SSIM of the frames against the reference frames (scikit-image)."""
    from skimage.metrics import peak_signal_noise_ratio, structural_similarity

    psnr = peak_signal_noise_ratio(reference, frames, data_range=255)
    ssim = np.mean(
        [structural_similarity(r, f, channel_axis=-1) for r, f in zip(reference, frames, strict=True)]
    )
    return float(psnr), float(ssim)


COLUMNS = (
    "keyframes s",
    "video s",
    "v. encode",
    "v. sample",
    "v. decode",
    "total s",
    "speed-up",
    "kf GiB",
    "video GiB",
    "TFLOP/s",
    "of matmul",
    "PSNR",
    "SSIM",
)


def print_row(row: dict, baseline: float, rate: float, flops: dict) -> None:
    total = row["keyframes_s"] + row["video_s"]
    work = (flops["keyframes"] * row["keyframe_steps"] + flops["video"] * row["video_steps"]) / total / 1e12
    phases = (row[name] for name in VIDEO_PHASES)
    peaks = (row["keyframes_peak"], row["video_peak"])
    cells = (row["keyframes_s"], row["video_s"], *phases, total, baseline / total, *peaks, work)
    print(
        f"{row['name']:22} "
        + " ".join(f"{c:11.2f}" for c in cells)
        + f" {work / rate:11.1%} {row['psnr']:11.1f} {row['ssim']:11.4f}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--keyframe-size", default="512x640")
    parser.add_argument(
        "--dtype", default="reference", choices=["reference", "float16", "bfloat16", "float32"]
    )
    parser.add_argument("--variants", default="plain,fast,balanced,low,quick")
    parser.add_argument("--buckets", default=None, help="video sizes WxH,... (default: the reference's)")
    parser.add_argument("--device", default="cuda", help="cuda; cpu only to try the script at tiny sizes")
    args = parser.parse_args()
    os.environ.update(allocator_environment(os.environ))  # as the CLI does
    device = torch.device(args.device)
    dtype = None if args.dtype == "reference" else getattr(torch, args.dtype)
    width, height = parse_size(args.keyframe_size)
    keys = KeyframeSettings(width=width, height=height, steps=args.steps)
    video = VideoSettings(steps=args.steps)
    if args.buckets:
        video = dataclasses.replace(video, buckets=parse_buckets(args.buckets))
    rate = matmul_rate(device) if device.type == "cuda" else float("nan")
    built, models = synchronised_seconds(lambda: random_models(device, dtype))
    with Image.open(ROOT / "examples" / "1.jpg") as image:
        picture = np.asarray(image.convert("RGB"))
    bucket = nearest_bucket(height, width, video.buckets)
    per_step = unet_flops(
        models, dataclasses.replace(keys, steps=1), dataclasses.replace(video, steps=1), bucket
    )
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
    print(f"{name}: dense fp16 matmul {rate:.0f} TFLOP/s; built in {built:.1f} s")
    work = {stage: f"{flops / 1e12:.1f} TFLOP" for stage, flops in per_step.items()}
    print(f"UNet work per step: keyframes {work['keyframes']}, video (7 segments) {work['video']}")
    print_call_errors(models, keys, video, bucket, compiled=False)
    print(f"\n{'variant':22} " + " ".join(f"{c:>11}" for c in COLUMNS), flush=True)
    variants = [parse_variant(name, keys, video) for name in args.variants.split(",")]
    if [v.compiled for v in variants] != sorted(v.compiled for v in variants):
        parser.error("compiled variants come last: nothing is uncompiled")
    first, compiled = None, False
    for variant in variants:
        name = variant.name
        if variant.compiled and not compiled:
            seconds = compile_models(models, picture, variant, device)
            print(f"({name}: compiled and warmed up in {seconds:.0f} s)", flush=True)
            compiled = True
        result = run_job(models, picture, variant, device)
        first = first or {"total": result["keyframes_s"] + result["video_s"], "frames": result["frames"]}
        psnr, ssim = quality(result["frames"], first["frames"])
        steps = {"keyframe_steps": variant.keys.steps, "video_steps": variant.video.steps}
        print_row(
            {"name": name, **result, **steps, "psnr": psnr, "ssim": ssim}, first["total"], rate, per_step
        )
        peaks = ", ".join(
            f"{phase} {result[phase + ' peak']:.2f} ({result[phase + ' reserved']:.2f} reserved)"
            for phase in VIDEO_PHASES
        )
        print(f"{'':22} video peaks (GiB): {peaks}", flush=True)
    if compiled:
        print_call_errors(models, keys, video, bucket, compiled=True)


if __name__ == "__main__":
    main()
