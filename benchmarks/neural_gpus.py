"""Throughput of the default job over several GPUs of one host: one worker process per GPU.

    python benchmarks/neural_gpus.py [--gpus 1,2] [--images-per-gpu 2] [--variant fast] [--steps 50]

Each worker builds the released models with random weights on its GPU once, warms up on a 2-step
job, waits for the others, then runs its share of pictures (the three examples in turn). Throughput
is pictures per minute between the first worker's start and the last one's end. Prints a table with
the scaling against the first GPU count.
"""

from __future__ import annotations

import argparse
import dataclasses
import time

import numpy as np
import torch
import torch.multiprocessing as mp
from PIL import Image

from _shared import ROOT
from _shared.released_random import random_models
from _shared.variants import parse_variant, run_job
from paintsundo.undo.pipeline.settings import KeyframeSettings, VideoSettings


def worker(rank: int, count: int, options: dict, barrier, results) -> None:
    torch.cuda.set_device(rank)
    device = torch.device("cuda", rank)
    keys, video = KeyframeSettings(steps=options["steps"]), VideoSettings(steps=options["steps"])
    variant = parse_variant(options["variant"], keys, video)
    models = random_models(device, None)
    pictures = []
    for index in range(count):
        with Image.open(ROOT / "examples" / f"{(rank * count + index) % 3 + 1}.jpg") as image:
            pictures.append(np.asarray(image.convert("RGB")))
    warm = dataclasses.replace(
        variant, keys=dataclasses.replace(keys, steps=2), video=dataclasses.replace(video, steps=2)
    )
    run_job(models, pictures[0], warm, device)
    barrier.wait()
    started = time.time()
    for picture in pictures:
        run_job(models, picture, variant, device)
    results.put((rank, started, time.time(), count))


def measure(gpus: int, options: dict) -> tuple[float, float]:
    """(seconds, pictures per minute) with `gpus` workers."""
    context = mp.get_context("spawn")
    barrier, results = context.Barrier(gpus), context.Queue()
    workers = [
        context.Process(target=worker, args=(rank, options["per_gpu"], options, barrier, results))
        for rank in range(gpus)
    ]
    for process in workers:
        process.start()
    reports = [results.get() for _ in workers]
    for process in workers:
        process.join()
    seconds = max(end for _, _, end, _ in reports) - min(start for _, start, _, _ in reports)
    pictures = sum(count for *_, count in reports)
    return seconds, pictures / seconds * 60


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gpus", default="1,2")
    parser.add_argument("--images-per-gpu", type=int, default=2)
    parser.add_argument("--variant", default="fast")
    parser.add_argument("--steps", type=int, default=50)
    args = parser.parse_args()
    options = {"per_gpu": args.images_per_gpu, "variant": args.variant, "steps": args.steps}
    print(f"{torch.cuda.device_count()} x {torch.cuda.get_device_name(0)}, variant {args.variant}")
    print(f"{'GPUs':>5} {'pictures':>9} {'seconds':>9} {'pictures/min':>13} {'scaling':>8}")
    first = None
    for gpus in (int(part) for part in args.gpus.split(",")):
        seconds, rate = measure(gpus, options)
        first = first or rate
        print(
            f"{gpus:5d} {gpus * args.images_per_gpu:9d} {seconds:9.1f} {rate:13.2f} {rate / first:8.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
