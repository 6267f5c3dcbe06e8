"""Speed and memory of the neural colourist at full size (SD1.5 and ControlNet 1.1 shapes, random
weights), on one GPU. Prints a table.

    python benchmarks/colorize_neural.py [--size 512x768] [--steps 20] [--repeats 3] [--compile]

Speed does not depend on weight values, so the models are built from the released configurations with
random weights, saved as fp16 safetensors in the hub layout, and loaded through the same code as real
weights. Rows: loading; one picture from noise (the first call, then the median of repeats); the same
with the scribbles' flat colours as the starting picture; four candidates in one batch; one picture
steered by a reference through the IP-Adapter (CLIP ViT-H); low memory mode; with --compile, the UNet
and ControlNet compiled (compiling and warming up timed apart), one picture and four. Then a fresh
process making its first picture as `paintsundo colorize --engine neural` does, as a user meets it
(without writing files, so that the GPU machine needs no video libraries).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from _shared import ROOT
from paintsundo.coloring.controlnet import LineartColorist
from paintsundo.coloring.neural import NeuralColorize, neural_candidates

sys.path.insert(0, str(ROOT / "tests"))
from random_ip_adapter import write_ip_adapter

TOKENIZER = ROOT / "tests" / "data" / "tiny-release" / "paints_undo_single_frame" / "tokenizer"
TURTLE = ROOT / "tests" / "data" / "kinds" / "pencil-turtle.png"
HINTS = ROOT / "docs" / "colorize" / "turtle.hints.png"


def fresh_process_script(base: Path, controlnet: Path, steps: int) -> str:
    """The first picture of a fresh process, as the command makes it (without writing files, so that
    the GPU machine needs no video libraries)."""
    return "\n".join(
        [
            "import numpy as np",
            "from PIL import Image",
            "from paintsundo.coloring.neural import NeuralColorize, neural_candidates",
            f"sketch = np.asarray(Image.open({str(TURTLE)!r}).convert('RGB'))",
            f"neural = NeuralColorize(base={str(base)!r}, controlnet={str(controlnet)!r}, prompt='1girl',"
            f" steps={steps}, device='cuda')",
            "neural_candidates(sketch, None, None, 1, 1, neural)",
        ]
    )


def write_full_size(folder: Path) -> tuple[Path, Path, Path]:
    """SD1.5's UNet, VAE and CLIP text encoder, a ControlNet and the SD1.5 IP-Adapter with its
    CLIP ViT-H image encoder, at their released sizes, random."""
    from diffusers import (
        AutoencoderKL,
        ControlNetModel,
        DDIMScheduler,
        StableDiffusionPipeline,
        UNet2DConditionModel,
    )
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer, CLIPVisionConfig

    with torch.device("cuda"):
        unet = UNet2DConditionModel(sample_size=64, cross_attention_dim=768, attention_head_dim=8)
        vae = AutoencoderKL(
            block_out_channels=(128, 256, 512, 512),
            down_block_types=("DownEncoderBlock2D",) * 4,
            up_block_types=("UpDecoderBlock2D",) * 4,
            layers_per_block=2,
            sample_size=512,
        )
        text = CLIPTextModel(
            CLIPTextConfig(
                hidden_size=768,
                intermediate_size=3072,
                num_attention_heads=12,
                num_hidden_layers=12,
                hidden_act="quick_gelu",
                projection_dim=768,
            )
        )
        controlnet = ControlNetModel.from_unet(unet)
    scheduler = DDIMScheduler(
        beta_schedule="scaled_linear", beta_start=0.00085, beta_end=0.012, steps_offset=1
    )
    tokenizer = CLIPTokenizer.from_pretrained(str(TOKENIZER))
    base = StableDiffusionPipeline(
        vae=vae, text_encoder=text, tokenizer=tokenizer, unet=unet, scheduler=scheduler,
        safety_checker=None, feature_extractor=None, requires_safety_checker=False,
    ).to(torch.float16)  # fmt: skip
    base.save_pretrained(folder / "base", safe_serialization=True)
    controlnet.to(torch.float16).save_pretrained(folder / "controlnet", safe_serialization=True)
    vit_h = CLIPVisionConfig(
        hidden_size=1280, intermediate_size=5120, num_attention_heads=16, num_hidden_layers=32,
        image_size=224, patch_size=14, projection_dim=1024, hidden_act="gelu",
    )  # fmt: skip
    with torch.device("cuda"):
        write_ip_adapter(folder / "ip-adapter", unet, vit_h, torch.float16)
    return folder / "base", folder / "controlnet", folder / "ip-adapter"


def inputs(width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """The turtle sketch and its scribbles, stretched to the size asked for."""
    sketch = Image.open(TURTLE).convert("RGB").resize((width, height), Image.Resampling.BICUBIC)
    hints = Image.open(HINTS).resize((width, height), Image.Resampling.NEAREST)
    return np.asarray(sketch), np.asarray(hints)


def seconds(action) -> float:
    torch.cuda.synchronize()
    started = time.perf_counter()
    action()
    torch.cuda.synchronize()
    return time.perf_counter() - started


def first_and_median(action, repeats: int) -> tuple[float, float, float]:
    """Seconds of the first call, the median of `repeats` more, and the peak GiB."""
    torch.cuda.reset_peak_memory_stats()
    first = seconds(action)
    rest = statistics.median(seconds(action) for _ in range(repeats))
    return first, rest, torch.cuda.max_memory_allocated() / 2**30


def settings(base: Path, controlnet: Path, steps: int, **options) -> NeuralColorize:
    return NeuralColorize(
        base=base, controlnet=controlnet, prompt="1girl", steps=steps, device="cuda", **options
    )


def fast_rows(sketch: np.ndarray, hints: np.ndarray, models: tuple[Path, Path, Path], args) -> list[tuple]:
    """The default mode: a picture from noise, from the scribbles, four candidates, and one picture
    steered by a reference through the IP-Adapter."""
    base, controlnet, adapter = models
    neural = settings(base, controlnet, args.steps)

    def picture(count: int, scribbles: np.ndarray | None):
        return lambda: neural_candidates(sketch, scribbles, None, 1, count, neural)

    rows = [
        ("one picture from noise", *first_and_median(picture(1, None), args.repeats)),
        ("one picture from the scribbles", *first_and_median(picture(1, hints), args.repeats)),
        ("four candidates, one batch", *first_and_median(picture(4, None), args.repeats)),
    ]
    steered = settings(base, controlnet, args.steps, ip_adapter=adapter)
    reference = np.asarray(Image.open(TURTLE).convert("RGB"))
    load = seconds(lambda: neural_candidates(sketch, None, reference, 1, 1, steered))
    rows.append(("IP-Adapter: load, first picture with a reference", load, float("nan"), float("nan")))
    action = lambda: neural_candidates(sketch, None, reference, 1, 1, steered)  # noqa: E731
    rows.append(("one picture with a reference (IP-Adapter)", *first_and_median(action, args.repeats)))
    return rows


def mode_rows(sketch: np.ndarray, base: Path, controlnet: Path, args) -> list[tuple]:
    """One picture in low memory mode and, with --compile, compiled (compiling timed apart), one
    picture and four."""
    modes = [("low memory mode", {"memory": "low"})]
    if args.compile:
        modes.append(("compiled", {"compile": True}))
    rows = []
    for name, options in modes:
        neural = settings(base, controlnet, args.steps, **options)
        torch.cuda.empty_cache()
        warm = seconds(lambda neural=neural: neural_candidates(sketch, None, None, 1, 1, neural))
        rows.append((f"{name}: load, first picture", warm, float("nan"), float("nan")))
        action = lambda neural=neural: neural_candidates(sketch, None, None, 1, 1, neural)  # noqa: E731
        rows.append((f"one picture from noise, {name}", *first_and_median(action, args.repeats)))
        if name == "compiled":
            four = lambda neural=neural: neural_candidates(sketch, None, None, 1, 4, neural)  # noqa: E731
            warm = seconds(four)
            rows.append(
                ("compiled: first four candidates (a new batch size)", warm, float("nan"), float("nan"))
            )
            rows.append(("four candidates, one batch, compiled", *first_and_median(four, args.repeats)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="512x768")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--compile", action="store_true")
    args = parser.parse_args()
    width, height = map(int, args.size.split("x"))
    sketch, hints = inputs(width, height)
    rows = []
    with tempfile.TemporaryDirectory() as temporary:
        models = write_full_size(Path(temporary))
        base, controlnet, _ = models
        torch.cuda.empty_cache()
        load = seconds(lambda: LineartColorist(base, controlnet, "cuda"))
        rows.append(("load the models (fp16 safetensors)", load, float("nan"), float("nan")))
        rows += fast_rows(sketch, hints, models, args)
        rows += mode_rows(sketch, base, controlnet, args)
        command = [sys.executable, "-c", fresh_process_script(base, controlnet, args.steps)]
        started = time.perf_counter()
        subprocess.run(command, check=True)
        fresh = time.perf_counter() - started
        rows.append(("a fresh process: imports, loading, one picture", fresh, float("nan"), float("nan")))
    name = torch.cuda.get_device_name()
    print(f"{name}, torch {torch.__version__}, {width}x{height}, {args.steps} steps, fp16")
    print(f"{'what':56} {'first s':>9} {'median s':>9} {'peak GiB':>9}")
    for what, first, median, peak in rows:
        print(f"{what:56} {first:9.2f} {median:9.2f} {peak:9.2f}")


if __name__ == "__main__":
    main()
