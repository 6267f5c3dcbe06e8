"""The default Paints-UNDO job at the released sizes, with random weights, on one GPU. Prints a table.

    python benchmarks/neural.py [--steps 50] [--keyframe-size 512x640] [--dtype reference|float16|bfloat16]
                                [--memory auto|resident|swap] [--variants plain,batched_cfg]

Each variant runs the whole job: keyframes (6 operation steps, CFG) and 7 video segments, both stages
with their text, image and VAE encoders and decoders. Speed does not depend on weight values, so the
weights are random (scaled so that activations stay finite). The first variant is the baseline; every
other one reports its speed-up, and its per-call relative error against the baseline's UNet on the
same inputs. A dense fp16 matmul measured in the same run gives the machine's reference rate.
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch import nn

from paintsundo.pipeline.flow import make_keyframes, make_video
from paintsundo.pipeline.keyframes import encode_prompt
from paintsundo.pipeline.models import MultiFrameModels, Placement, SingleFrameModels, modules_of
from paintsundo.pipeline.settings import KeyframeSettings, VideoSettings
from paintsundo.settings import parse_buckets, parse_size
from paintsundo.weights import component
from paintsundo.weights.release import MULTI_FRAME, SINGLE_FRAME

ROOT = Path(__file__).resolve().parents[1]
TOKENIZERS = ROOT / "tests" / "data" / "tiny-release"  # ids below every vocabulary size; only shapes matter


def random_component(repo: str, name: str, device: torch.device, dtype: torch.dtype) -> nn.Module:
    spec = component(repo, name)
    with torch.device("meta"):
        model = spec.build(spec.released_config)
    model = model.to_empty(device=device)
    generator = torch.Generator(device).manual_seed(0)
    with torch.no_grad():
        for parameter in model.parameters():
            if parameter.ndim >= 2:
                parameter.normal_(0.0, 0.5 / parameter[0].numel() ** 0.5, generator=generator)
            else:
                parameter.zero_()
        for module in model.modules():
            if isinstance(module, (nn.GroupNorm, nn.LayerNorm)) and module.weight is not None:
                module.weight.fill_(1.0)
            if "position_ids" in dict(module.named_buffers(recurse=False)):
                module.position_ids.copy_(torch.arange(module.position_ids.shape[-1], device=device))
    dtype = spec.reference_dtype if dtype is None else dtype
    return model.to(dtype).eval().requires_grad_(False)


def random_models(
    device: torch.device, dtype: torch.dtype | None
) -> tuple[SingleFrameModels, MultiFrameModels]:
    from transformers import CLIPTokenizer

    single = SingleFrameModels(
        CLIPTokenizer.from_pretrained(str(TOKENIZERS / "paints_undo_single_frame" / "tokenizer")),
        *(random_component(SINGLE_FRAME, name, device, dtype) for name in ("text_encoder", "vae", "unet")),
    )
    names = ("text_encoder", "image_encoder", "image_projection", "vae", "unet")
    multi = MultiFrameModels(
        CLIPTokenizer.from_pretrained(str(TOKENIZERS / "paints_undo_multi_frame" / "tokenizer")),
        *(random_component(MULTI_FRAME, name, device, dtype) for name in names),
    )
    return single, multi


def synchronise() -> None:
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def synchronised_seconds(action) -> tuple[float, object]:
    synchronise()
    started = time.perf_counter()
    result = action()
    synchronise()
    return time.perf_counter() - started, result


def peak_gib() -> float:
    return torch.cuda.max_memory_allocated() / 2**30 if torch.cuda.is_available() else 0.0


def reset_peak() -> None:
    if torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()


def matmul_rate(device: torch.device) -> float:
    """Dense fp16 matmul TFLOP/s on this GPU, now."""
    a = torch.randn(8192, 8192, device=device, dtype=torch.float16)
    b = torch.randn(8192, 8192, device=device, dtype=torch.float16)
    for _ in range(3):
        a @ b
    seconds, _ = synchronised_seconds(lambda: [a @ b for _ in range(10)])
    return 10 * 2 * 8192**3 / seconds / 1e12


def unet_flops(
    models: tuple[SingleFrameModels, MultiFrameModels], keys: KeyframeSettings, video: VideoSettings
) -> dict:
    """FLOPs of one UNet call of each stage at its batch (both CFG passes), counted by PyTorch."""
    from torch.utils.flop_counter import FlopCounterMode

    single, multi = models
    device, dtype = next(single.unet.parameters()).device, next(single.unet.parameters()).dtype
    batch = len(keys.operation_steps)
    height, width = keys.height // 8, keys.width // 8
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        single.unet.undo(
            torch.randn(batch, 4, height, width, device=device, dtype=dtype),
            torch.full((batch,), 500, device=device),
            torch.randn(batch, 77, 768, device=device, dtype=dtype),
            torch.randn(1, 4, height, width, device=device, dtype=dtype),
            torch.full((batch,), 500, device=device),
        )
    keyframe_call = 2 * counter.get_total_flops()
    bucket_h, bucket_w = video.buckets[0]
    frames = video.frames_per_segment
    dtype = next(multi.unet.parameters()).dtype
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        latent = torch.randn(1, 4, frames, bucket_h // 8, bucket_w // 8, device=device, dtype=dtype)
        multi.unet(
            latent,
            torch.tensor([500], device=device),
            torch.randn(1, 77, 1024, device=device, dtype=dtype),
            torch.randn(1, frames, 16, 1024, device=device, dtype=dtype),
            latent,
            torch.tensor([3], device=device),
        )
    return {"keyframes": keyframe_call * keys.steps, "video": 2 * counter.get_total_flops() * video.steps * 7}


def run_job(models, picture: np.ndarray, keys: KeyframeSettings, video: VideoSettings, memory: str) -> dict:
    single, multi = models
    device = next(single.unet.parameters()).device
    reset_peak()
    placement = Placement(device, memory, [modules_of(single), modules_of(multi)])
    seconds, made = synchronised_seconds(lambda: make_keyframes(single, placement, picture, "1girl", keys))
    key_peak = peak_gib()
    reset_peak()
    pictures = [k.picture for k in made]
    video_seconds, frames = synchronised_seconds(lambda: make_video(multi, placement, pictures, video))
    return {
        "keyframes_s": seconds,
        "video_s": video_seconds,
        "keyframes_gib": key_peak,
        "video_gib": peak_gib(),
        "frames": np.stack(frames),
        "placement": placement.mode,
    }


def call_error(models, keys: KeyframeSettings, video: VideoSettings) -> tuple[float, float]:
    """Relative error of one batched-CFG UNet call against two plain calls, per stage, same inputs."""
    from paintsundo.pipeline.denoisers import single_frame_denoiser, video_denoiser
    from paintsundo.samplers import DiscreteSchedule, linear_betas, scaled_linear_betas, zero_terminal_snr

    single, multi = models
    device, dtype = next(single.unet.parameters()).device, next(single.unet.parameters()).dtype
    torch.manual_seed(0)
    batch, height, width = len(keys.operation_steps), keys.height // 8, keys.width // 8
    text = encode_prompt(single.tokenizer, single.text_encoder, "1girl").to(dtype).repeat(batch, 1, 1)
    args = (
        DiscreteSchedule.from_betas(linear_betas()),
        text,
        text.flip(1),
        torch.randn(1, 4, height, width, device=device, dtype=dtype),
        torch.tensor(keys.operation_steps, device=device),
        keys.cfg,
    )
    x, sigma = torch.randn(batch, 4, height, width, device=device), torch.full((batch,), 3.0, device=device)
    with torch.no_grad():
        plain = single_frame_denoiser(single.unet, *args)(x, sigma).float()
        fast = single_frame_denoiser(single.unet, *args, batched_cfg=True)(x, sigma).float()
    key_error = ((fast - plain).norm() / plain.norm()).item()
    udtype = next(multi.unet.parameters()).dtype
    h, w, t = video.buckets[0][0] // 8, video.buckets[0][1] // 8, video.frames_per_segment
    cond = {
        "context_text": torch.randn(1, 77, 1024, device=device, dtype=udtype),
        "context_img": torch.randn(1, t, 16, 1024, device=device, dtype=udtype),
        "concat_cond": torch.randn(1, 4, t, h, w, device=device, dtype=udtype),
        "fs": torch.tensor([3], device=device),
    }
    negative = {**cond, "context_text": cond["context_text"].flip(1)}
    schedule = DiscreteSchedule.from_betas(zero_terminal_snr(scaled_linear_betas()))
    x, step = torch.randn(1, 4, t, h, w, device=device), torch.tensor([500], device=device)
    with torch.no_grad():
        plain = video_denoiser(multi.unet, schedule, cond, negative, video.cfg)(x, step).float()
        fast = video_denoiser(multi.unet, schedule, cond, negative, video.cfg, batched_cfg=True)(
            x, step
        ).float()
    return key_error, ((fast - plain).norm() / plain.norm()).item()


def compile_unets(
    models, picture: np.ndarray, keys: KeyframeSettings, video: VideoSettings, memory: str
) -> None:
    """torch.compile both UNets' forward, then warm them up on a short job (compilation is not timed)."""
    for unet in (models[0].unet, models[1].unet):
        unet.forward = torch.compile(unet.forward, dynamic=False)
    started = time.perf_counter()
    run_job(models, picture, dataclasses.replace(keys, steps=2), dataclasses.replace(video, steps=2), memory)
    print(f"compiled and warmed up in {time.perf_counter() - started:.0f} s")


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--keyframe-size", default="512x640")
    parser.add_argument(
        "--dtype", default="reference", choices=["reference", "float16", "bfloat16", "float32"]
    )
    parser.add_argument("--memory", default="auto", choices=["auto", "resident", "swap"])
    parser.add_argument(
        "--variants", default="plain,batched_cfg,segments", help="plain, batched_cfg, segments"
    )
    parser.add_argument("--buckets", default=None, help="video sizes WxH,... (default: the reference's)")
    parser.add_argument("--device", default="cuda")
    args = parser.parse_args()
    device = torch.device(args.device)
    dtype = None if args.dtype == "reference" else getattr(torch, args.dtype)
    width, height = parse_size(args.keyframe_size)
    keys = KeyframeSettings(width=width, height=height, steps=args.steps)
    video = VideoSettings(steps=args.steps)
    if args.buckets:
        video = dataclasses.replace(video, buckets=parse_buckets(args.buckets))
    rate = matmul_rate(device) if device.type == "cuda" else float("nan")
    built, models = synchronised_seconds(lambda: random_models(device, dtype))
    flops = unet_flops(models, keys, video)
    with Image.open(ROOT / "examples" / "1.jpg") as image:
        picture = np.asarray(image.convert("RGB"))
    name = torch.cuda.get_device_name() if device.type == "cuda" else "cpu"
    print(f"{name}: dense fp16 matmul {rate:.0f} TFLOP/s; models built in {built:.1f} s")
    print(
        f"UNet work: keyframes {flops['keyframes'] / 1e15:.2f} PFLOP, video {flops['video'] / 1e15:.2f} PFLOP"
    )
    columns = (
        "keyframes s",
        "video s",
        "total s",
        "speed-up",
        "peak GiB",
        "UNet TFLOP/s",
        "of matmul",
        "PSNR dB",
    )
    print(f"{'variant':14} " + " ".join(f"{c:>12}" for c in columns))
    baseline = None
    for variant in args.variants.split(","):
        # Each variant adds to the one before: batched CFG, all 7 segments in one batch, torch.compile.
        fast = variant != "plain"
        keys_v = dataclasses.replace(keys, batched_cfg=fast)
        batch = 7 if variant in ("segments", "compiled") else 1
        video_v = dataclasses.replace(video, batched_cfg=fast, segment_batch=batch)
        torch.cuda.empty_cache()
        if variant == "compiled":
            compile_unets(models, picture, keys_v, video_v, args.memory)
        result = run_job(models, picture, keys_v, video_v, args.memory)
        total = result["keyframes_s"] + result["video_s"]
        baseline = baseline or (total, result["frames"])
        achieved = (flops["keyframes"] + flops["video"]) / total / 1e12
        peak = max(result["keyframes_gib"], result["video_gib"])
        quality = psnr(result["frames"], baseline[1])
        cells = (result["keyframes_s"], result["video_s"], total, baseline[0] / total, peak, achieved)
        print(
            f"{variant:14} "
            + " ".join(f"{c:12.2f}" for c in cells)
            + f" {achieved / rate:12.1%} {quality:12.1f}"
        )
    key_error, video_error = call_error(models, keys, video)
    print(
        f"batched vs plain CFG, one call, relative error: keyframes {key_error:.1e}, video {video_error:.1e}"
    )
    print(f"placement: {result['placement']}")


if __name__ == "__main__":
    main()
