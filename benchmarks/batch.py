"""Pictures per minute of `paintsundo batch` with the procedural engine, by worker count. Prints a table.

    python benchmarks/batch.py [--pictures 12] [--workers 1,2] [--repeats 3] [--ray]

The pictures are the three examples at their size, each saved a few times with one pixel changed, so
that every picture has its own hash. Default settings (105 frames, 640 on the long side, MP4). Each
count runs into a fresh folder; medians of the repeats. With --ray, the workers are actors of one local
Ray instance, started before the clock (as a cluster would be).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from paintsundo.batch import RayOptions, run_batch
from paintsundo.undo.settings import Settings

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def make_pictures(folder: Path, count: int) -> None:
    for index in range(count):
        with Image.open(EXAMPLES / f"{index % 3 + 1}.jpg") as image:
            pixels = np.array(image.convert("RGB"))
        pixels[0, 0] = (index, index, index)
        Image.fromarray(pixels).save(folder / f"picture_{index:03d}.png")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pictures", type=int, default=12)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--ray", action="store_true", help="actors on a local Ray instance")
    args = parser.parse_args()
    ray = None
    if args.ray:
        import ray as ray_module

        ray_module.init(include_dashboard=False, log_to_driver=False)
        ray = RayOptions()
    settings = Settings(engine="procedural")
    with tempfile.TemporaryDirectory() as scratch:
        inputs = Path(scratch) / "in"
        inputs.mkdir()
        make_pictures(inputs, args.pictures)
        print(f"{'workers':>8} {'pictures':>9} {'median s':>9} {'pictures/min':>13} {'vs first':>9}")
        first = None
        for workers in (int(part) for part in args.workers.split(",")):
            times = []
            for repeat in range(args.repeats):
                out = Path(scratch) / f"out_{workers}_{repeat}"
                started = time.perf_counter()
                summary = run_batch(str(inputs), out, settings, workers=workers, ray=ray)
                times.append(time.perf_counter() - started)
                assert summary.done == args.pictures, summary
            seconds = statistics.median(times)
            rate = args.pictures / seconds * 60
            first = first or rate
            print(
                f"{workers:8d} {args.pictures:9d} {seconds:9.2f} {rate:13.1f} {rate / first:9.2f}", flush=True
            )


if __name__ == "__main__":
    main()
