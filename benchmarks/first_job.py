"""Where a fresh process's first picture spends the time a warm process does not: each phase of the
first default job beside the same phase of the second, in this one fresh process.

    python benchmarks/first_job.py [--weights DIR] [--steps N]

Run it on a GPU, after `python benchmarks/first_picture.py --part fresh --steps prepare` (the
packages that run is timed with are used: this is the prepared first picture, taken apart). The
weights are those first_picture.py writes (random, at the released sizes). Each phase ends with the
GPU idle, so a phase's seconds are its own. Progress reports are timed too: the first one of a
stage marks when its sampling began to be queued.
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()

import argparse  # noqa: E402 (the clock starts before any import)
import dataclasses  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

from _shared import PICTURE, PROMPT, WEIGHTS  # noqa: E402 (imports no torch)
from paintsundo.undo.pipeline.settings import allocator_environment  # noqa: E402

os.environ.update(allocator_environment(os.environ))  # as the command line sets it, before CUDA
import torch  # noqa: E402

IMPORTED_TORCH = time.perf_counter()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", type=Path, default=WEIGHTS)
    parser.add_argument("--steps", type=int, default=None, help="sampling steps (default: the job's)")
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--small", action="store_true", help="64x64 and two keyframes: a quick check")
    args = parser.parse_args()
    device = torch.device(args.device)
    phases: list[tuple[str, float, float | None]] = [("import torch", IMPORTED_TORCH - STARTED, None)]
    clock = Clock(device)

    from paintsundo.hub import layout
    from paintsundo.undo.runtime.device_start import DeviceStart

    models = layout(args.weights, "benchmark")
    start = DeviceStart(models, device, "fast")
    start.begin()  # as a run starts: the GPU, the memory plan, and the weights read onto it
    from numpy import asarray
    from PIL import Image

    from paintsundo.undo.pipeline.paints_undo import PaintsUndoPipeline

    phases.append(("import the pipeline (the GPU starting, the weights read meanwhile)", clock.lap(), None))
    pipeline = PaintsUndoPipeline(models, device, "fast", start=start)
    phases.append(("make the pipeline (the memory plan)", clock.lap(), None))
    pipeline.single  # noqa: B018 (loads the keyframes' models)
    pipeline.read_ahead("multi")
    phases.append(("read the keyframes' models", clock.lap(), None))
    with Image.open(PICTURE) as image:
        picture = asarray(image.convert("RGB"))
    keyframe_settings, video_settings = job_settings(args.steps, args.small)
    jobs = []
    for _ in range(2):
        times, reports = {}, Reports()
        clock.lap()
        keyframes = pipeline.keyframes(picture, keyframe_settings, PROMPT, (), reports)
        times["keyframes"] = clock.lap()
        pipeline.multi  # noqa: B018 (waits for the video's models, read meanwhile)
        times["wait for the video's models"] = clock.lap()
        reports.started = time.perf_counter()
        pipeline.video(keyframes, video_settings, reports)
        times["video"] = clock.lap()
        jobs.append((times, reports.first))
    for name, first in jobs[0][0].items():
        phases.append((name, first, jobs[1][0][name]))
    for label, first in jobs[0][1].items():
        phases.append((f"  its stage's start to the first {label} report", first, jobs[1][1].get(label)))
    print_table(phases, time.perf_counter() - STARTED, device)


def job_settings(steps: int | None, small: bool) -> tuple:
    """The default job, at `steps` if given, at 64x64 with two keyframes if `small`."""
    from paintsundo.undo.pipeline.settings import KeyframeSettings, VideoSettings

    keyframe, video = KeyframeSettings(), VideoSettings()
    if small:
        keyframe = dataclasses.replace(keyframe, width=64, height=64, operation_steps=(400, 999))
        video = dataclasses.replace(video, buckets=((64, 64),))
    if steps:
        keyframe, video = dataclasses.replace(keyframe, steps=steps), dataclasses.replace(video, steps=steps)
    return keyframe, video


class Clock:
    def __init__(self, device: torch.device) -> None:
        self.device, self.last = device, time.perf_counter()

    def lap(self) -> float:
        """Seconds since the last lap, with the device's queued work done."""
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
        now = time.perf_counter()
        seconds, self.last = now - self.last, now
        return seconds


class Reports:
    """When each progress label first reported, in seconds from its stage's start."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.first: dict[str, float] = {}

    def __call__(self, label: str, done: int, total: int) -> None:
        self.first.setdefault(label, time.perf_counter() - self.started)


def print_table(phases: list[tuple[str, float, float | None]], total: float, device: torch.device) -> None:
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU"
    print(f"\n{name}, torch {torch.__version__}, python {sys.version.split()[0]}")
    print("| phase | first job | second job | first less second |")
    print("| --- | --- | --- | --- |")
    for name, first, second in phases:
        later = "" if second is None else f"{second:.2f} s"
        extra = "" if second is None else f"{first - second:+.2f} s"
        print(f"| {name} | {first:.2f} s | {later} | {extra} |")
    print(f"| the whole process | {total:.2f} s | | |")


if __name__ == "__main__":
    main()
