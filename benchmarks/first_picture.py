"""The first picture a user meets, and one picture shared out between GPUs, at the released sizes
with random weights written in the released layout. Prints tables.

    python benchmarks/first_picture.py --part fresh  [--weights DIR] [--repeats 1] [--isolated]
                                       [--steps load,eager,prepare,prepared] [--baseline DIR]
    python benchmarks/first_picture.py --part steady [--weights DIR] [--repeats 2] [--gpus 0,1]
                                       [--variants eager,compile,prepared]

The weights are written once into DIR (default: a folder under the system's temp folder, kept for the
next part) with the tiny tokenizers and empty tagger files, which are never read, since the prompt is
given. `fresh` times `python -m paintsundo run IMAGE --engine neural --prompt ... --format frames` as
a fresh process from its start to its written frames, the figure a user meets: unprepared (eager),
then after `paintsundo compile` (also timed) has prepared the compiled work (`--isolated`: the fresh
runs see only what `pip install "paintsundo[neural]"` installs, see _shared/isolated.py; `--baseline`: each
fresh run alternates with one importing paintsundo from DIR, another version's src folder); and
reading the weights onto the GPU straight from the files against through CPU memory. `steady` runs the default
job on one GPU in this process, then shared out between the GPUs given (SpreadPipeline: a worker
process per GPU), each after a warm-up job at 2 steps, and compares their frames.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from _shared import PICTURE, PROMPT, WEIGHTS
from _shared.isolated import isolated_environment, python
from _shared.released_random import median_seconds, synchronised_seconds, write_weights
from paintsundo.hub import layout
from paintsundo.undo.pipeline.paints_undo import PaintsUndoPipeline
from paintsundo.undo.pipeline.settings import KeyframeSettings, VideoSettings
from paintsundo.undo.pipeline.spread import SpreadPipeline
from paintsundo.undo.runtime.model_sets import load_multi_frame, load_single_frame
from paintsundo.undo.runtime.prepared import FOLDER_VARIABLE
from paintsundo.weights.release import MULTI_FRAME, SINGLE_FRAME


def fresh_run(weights: Path, output: Path, isolated: dict | None, source: Path | None = None) -> float:
    """Seconds from a fresh process's start to its written frames (isolated, given
    `isolated_environment`'s variables; paintsundo from `source` if given). Its manifest's split is
    printed: the process's start (imports) before the run's clock starts, the engine, the writing."""
    interpreter, environment = python(isolated, source)
    command = [
        *interpreter,
        "-m",
        "paintsundo",
        "run",
        str(PICTURE),
        "-o",
        str(output),
        "--format",
        "frames",
    ]
    command += ["--engine", "neural", "--prompt", PROMPT, "--models", str(weights), "-q"]
    shutil.rmtree(output, ignore_errors=True)
    started = time.perf_counter()
    subprocess.run(command, check=True, env=environment)
    seconds = time.perf_counter() - started
    written = [*output.parent.glob(f"{output.name}.json"), *output.glob("*.json")]  # file, or folder
    manifest = json.loads(written[0].read_text())
    timings, neural = manifest["timings"], manifest.get("neural", {})
    print(
        f"  (starting {seconds - timings['total']:.1f} s, reading the picture {timings['load']:.1f} s, "
        f"engine {timings['engine']:.1f} s, writing {timings['render_and_write']:.1f} s; "
        f"block calls {neural.get('prepared_calls', 'unprepared')})",
        flush=True,
    )
    return seconds


def loading_seconds(weights: Path, onto: torch.device | None) -> float:
    """Reading both models, onto the GPU directly or through CPU memory, until they are there."""
    device = torch.device("cuda")
    torch.cuda.synchronize()
    started = time.perf_counter()
    for loader, folder in ((load_single_frame, SINGLE_FRAME), (load_multi_frame, MULTI_FRAME)):
        models = loader(weights / folder, device, onto=onto)
        for module in vars(models).values():
            if isinstance(module, torch.nn.Module):
                module.to(device)
    torch.cuda.synchronize()
    spent = time.perf_counter() - started
    del models
    torch.cuda.empty_cache()
    return spent


def prepare(weights: Path) -> float:
    """Seconds of `paintsundo compile` for the default job, as a fresh process."""
    command = [sys.executable, "-m", "paintsundo", "compile", "--models", str(weights)]
    started = time.perf_counter()
    subprocess.run(command, check=True)
    return time.perf_counter() - started


def fresh_part(
    weights: Path, repeats: int, steps: list[str], isolated: dict | None, baseline: Path | None
) -> Iterator[tuple[str, float]]:
    """Rows as they are measured: reading the weights, then fresh runs unprepared and prepared."""
    if "load" in steps:
        for onto, name in ((None, "through CPU memory"), (torch.device("cuda"), "straight onto the GPU")):
            loading_seconds(weights, onto)  # the files into the page cache, as after a download
            seconds = statistics.median(loading_seconds(weights, onto) for _ in range(3))
            yield f"read both models {name}", seconds
    with tempfile.TemporaryDirectory() as scratch:
        output = Path(scratch) / "frames"
        if "eager" in steps:
            with compiled_cache(Path(scratch) / "none"):
                yield from fresh_rows("unprepared (eager)", weights, output, isolated, baseline, repeats)
        if "prepare" in steps:
            yield "`paintsundo compile` (once per machine)", prepare(weights)
        if "prepared" in steps:
            yield from fresh_rows("prepared", weights, output, isolated, baseline, repeats)


def fresh_rows(
    what: str, weights: Path, output: Path, isolated: dict | None, baseline: Path | None, repeats: int
) -> Iterator[tuple[str, float]]:
    """Median fresh runs, and those of the baseline's code in turn with them when one is given."""
    sources = {"": None} if baseline is None else {" (baseline)": baseline, "": None}
    seconds: dict[str, list[float]] = {label: [] for label in sources}
    for _ in range(repeats):
        for label, source in sources.items():
            print(f"  a fresh run, {what}{label}:", flush=True)
            seconds[label].append(fresh_run(weights, output, isolated, source))
    for label, runs in seconds.items():
        yield f"a fresh `paintsundo run`, {what}{label}", statistics.median(runs)


@contextlib.contextmanager
def compiled_cache(folder: Path) -> Iterator[None]:
    """Within: the processes started look for prepared compiled work in `folder`."""
    before = os.environ.get(FOLDER_VARIABLE)
    os.environ[FOLDER_VARIABLE] = str(folder)
    try:
        yield
    finally:
        if before is None:
            del os.environ[FOLDER_VARIABLE]
        else:
            os.environ[FOLDER_VARIABLE] = before


def job(steps: int | None = None) -> tuple[KeyframeSettings, VideoSettings]:
    """The default job, or the same at fewer steps."""
    if steps:
        return KeyframeSettings(steps=steps), VideoSettings(steps=steps)
    return KeyframeSettings(), VideoSettings()


def timed(pipeline, picture: np.ndarray, repeats: int) -> tuple[float, float, list[np.ndarray]]:
    """Seconds of the warm-up job (2 steps: every shape once), the median job, and its frames."""
    warm, _ = synchronised_seconds(lambda: pipeline(picture, *job(2), prompt=PROMPT))
    median, frames = median_seconds(lambda: pipeline(picture, *job(), prompt=PROMPT).frames, repeats)
    return warm, median, frames


def psnr(frames: list[np.ndarray], reference: list[np.ndarray]) -> float:
    error = np.mean((np.stack(frames).astype(np.float64) - np.stack(reference).astype(np.float64)) ** 2)
    return float("inf") if error == 0 else 10 * np.log10(255.0**2 / error)


def steady_part(weights: Path, repeats: int, gpus: list[int], variants: list[str]) -> list[tuple]:
    paths = layout(weights, "benchmark")
    with Image.open(PICTURE) as image:
        picture = np.asarray(image.convert("RGB"))
    rows = []
    for variant in variants:
        compile = variant == "compile"  # "prepared" uses the packages `paintsundo compile` wrote
        if variant == "eager":
            os.environ[FOLDER_VARIABLE] = str(Path(tempfile.gettempdir()) / "paintsundo-no-packages")
        else:
            os.environ.pop(FOLDER_VARIABLE, None)
        one = PaintsUndoPipeline(paths, f"cuda:{gpus[0]}", "fast", compile)
        warm, median, reference = timed(one, picture, repeats)
        rows.append((f"one GPU, {variant}", warm, median, 1.0, "baseline"))
        del one
        torch.cuda.empty_cache()
        if len(gpus) == 1:
            continue
        spread = SpreadPipeline(paths, [f"cuda:{gpu}" for gpu in gpus], "fast", compile)
        warm, shared, frames = timed(spread, picture, repeats)
        difference = int(np.abs(np.stack(frames).astype(int) - np.stack(reference).astype(int)).max())
        quality = f"PSNR {psnr(frames, reference):.1f} dB, max {difference} levels"
        rows.append((f"{len(gpus)} GPUs, {variant}", warm, shared, median / shared, quality))
        spread.close()
        torch.cuda.empty_cache()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("fresh", "steady"), required=True)
    parser.add_argument("--weights", type=Path, default=WEIGHTS)
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--gpus", default="0,1")
    parser.add_argument("--variants", default="eager,compile,prepared")
    parser.add_argument("--steps", default="load,eager,prepare,prepared", help="of the fresh part")
    parser.add_argument(
        "--isolated", action="store_true", help="fresh runs see only paintsundo[neural]'s dependencies"
    )
    parser.add_argument("--baseline", type=Path, help="another version's src folder, run in turn")
    args = parser.parse_args()
    weights = write_weights(args.weights)
    print(f"{torch.cuda.get_device_name()} x{torch.cuda.device_count()}, torch {torch.__version__}")
    if args.part == "fresh":
        with tempfile.TemporaryDirectory() as folder:
            isolated = isolated_environment(Path(folder)) if args.isolated else None
            for what, seconds in fresh_part(
                weights, args.repeats or 1, args.steps.split(","), isolated, args.baseline
            ):
                print(f"{what:64} {seconds:8.2f} s", flush=True)
        return
    gpus = [int(gpu) for gpu in args.gpus.split(",")]
    rows = steady_part(weights, args.repeats or 2, gpus, args.variants.split(","))
    heading = "default job (6 keyframes, 7 segments)"
    print(f"{heading:40} {'warm-up s':>10} {'median s':>9} {'speed-up':>9}  frames")
    for what, warm, median, speedup, quality in rows:
        print(f"{what:40} {warm:10.1f} {median:9.2f} {speedup:8.2f}x  {quality}")


if __name__ == "__main__":
    main()
