"""Where the default job's time goes, phase by phase: wall seconds against seconds of GPU work.

    python benchmarks/job_profile.py [--variant fast+compile] [--steps 5] [--rows 5]

Builds the released models with random weights on the GPU, runs a job of neural.py's variant once to
compile and warm up, then twice with `--steps` keyframe and video steps (the other phases do not depend
on the step count; few steps keep the profile small): timed, then under PyTorch's profiler, which slows
the host, so that the wall times come from the first and the GPU work from the second. Each phase ends
with a synchronisation, so its kernels run inside it. Per phase: its calls, wall seconds, seconds of GPU
kernels and copies, the share of its time the GPU was busy (the rest it waited on the host), and its
costliest kernel families and kernels. Sampling phases are also given per step.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import torch
from PIL import Image
from torch.autograd import DeviceType
from torch.profiler import ProfilerActivity, profile, record_function

from _shared import ROOT
from _shared.released_random import random_models, synchronise, wrapped
from _shared.variants import compile_models, parse_variant, run_job
from paintsundo.undo.pipeline import keyframes as keyframe_stage
from paintsundo.undo.pipeline import video as video_stage
from paintsundo.undo.pipeline.settings import KeyframeSettings, VideoSettings, allocator_environment

# Inductor's kernels are named after the operators they fuse, so they are sorted by those names first:
# a fused "convolution" there is the bias add after a cuDNN call, not a convolution.
INDUCTOR_FAMILIES = (
    ("inductor: normalisation", r"norm|var_mean|rsqrt"),
    ("inductor: gelu", r"gelu"),
    ("inductor: concatenation", r"cat"),
    ("inductor: layout copy", r"clone|copy|permute|transpose"),
    ("inductor: other", r""),
)
FAMILIES = (
    ("attention", r"flash|fmha|attention|sdpa|softmax"),
    ("layout", r"nchwToNhwc|nhwcToNchw|transpose|permute|copy|cat_|CatArray"),
    ("convolution", r"conv|implicit|fprop|winograd|dgrad"),
    ("matmul", r"gemm|nvjet|cutlass|xmma|splitK"),
    ("normalisation", r"norm|welford|Norm"),
)


def family(kernel: str) -> str:
    """The kind of work a GPU kernel does, from its name."""
    families = INDUCTOR_FAMILIES if kernel.startswith("triton_") else FAMILIES
    return next((name for name, pattern in families if re.search(pattern, kernel)), "other")


# (module, function) pairs timed as phases, in the order the job runs them.
PHASES = (
    (keyframe_stage, "encode_prompt"),
    (keyframe_stage, "sample_dpmpp_2m"),
    (keyframe_stage, "to_pictures"),
    (video_stage, "encode_conditions"),
    (video_stage, "sample_group"),
    (video_stage, "decode_group"),
)
SAMPLERS = ("sample_dpmpp_2m", "sample_group")


@dataclass
class Phase:
    calls: int = 0
    wall: float = 0.0  # seconds, unprofiled
    kernels: float = 0.0  # seconds of GPU kernels and copies
    families: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    names: dict[str, float] = field(default_factory=lambda: defaultdict(float))


def synchronised(label: str, function, walls: dict[str, float]):
    """The function as a labelled range of the profile, which ends when its GPU work has; its wall
    seconds add up in walls[label]."""

    def call(*args, **kwargs):
        started = time.perf_counter()
        with record_function(label):
            result = function(*args, **kwargs)
            synchronise()
        walls[label] += time.perf_counter() - started
        return result

    return call


@contextlib.contextmanager
def annotated(models, walls: dict[str, float]):
    """Within: each phase function, and the keyframe VAE's encode and decode, run as labelled,
    synchronised ranges of the profile."""
    vae = models[0].vae
    targets = [*PHASES, (vae, "encode"), (vae, "decode")]

    def label(name: str) -> str:
        return f"keyframe vae.{name}" if name in ("encode", "decode") else name

    with wrapped(targets, lambda name, function: synchronised(label(name), function, walls)):
        yield [label(name) for _, name in targets]


def split_by_phase(report: profile, labels: list[str], walls: dict[str, float]) -> dict[str, Phase]:
    """The GPU work that started inside each labelled range, and the range's unprofiled wall time;
    "job" is the whole."""
    ranges, kernels = [], []
    for event in report.events():
        # Annotations ("##" ones from compiled graphs, and our labels) are mirrored on the GPU's
        # timeline: neither work nor ranges.
        work = not event.is_user_annotation and not event.name.startswith("##")
        if event.device_type == DeviceType.CUDA and work:
            kernels.append(
                (event.time_range.start, event.time_range.end - event.time_range.start, event.name)
            )
        elif event.device_type == DeviceType.CPU and (event.name in labels or event.name == "job"):
            ranges.append((event.name, event.time_range.start, event.time_range.end))
    kernels.sort()
    starts = np.array([start for start, _, _ in kernels])
    phases: dict[str, Phase] = defaultdict(Phase)
    for name, start, end in ranges:
        phase = phases[name]
        phase.calls += 1
        phase.wall = walls[name]
        for _, duration, kernel in kernels[np.searchsorted(starts, start) : np.searchsorted(starts, end)]:
            phase.kernels += duration / 1e6
            phase.families[family(kernel)] += duration / 1e6
            phase.names[kernel] += duration / 1e6
    return phases


def print_phases(phases: dict[str, Phase], labels: list[str], steps: int, rows: int) -> None:
    print(
        f"\n{'phase':22} {'calls':>5} {'wall s':>8} {'GPU s':>8} {'busy':>6}  costliest kernel families (s)"
    )
    for label in ["job", *sorted(labels, key=lambda name: name not in phases)]:
        if label not in phases:
            continue
        phase = phases[label]
        top = sorted(phase.families.items(), key=lambda item: -item[1])[:rows]
        families = ", ".join(f"{name} {seconds:.3f}" for name, seconds in top)
        busy = phase.kernels / phase.wall if phase.wall else float("nan")
        print(f"{label:22} {phase.calls:5} {phase.wall:8.3f} {phase.kernels:8.3f} {busy:6.1%}  {families}")
        for kernel, seconds in sorted(phase.names.items(), key=lambda item: -item[1])[:rows]:
            print(f"{'':46} {seconds:7.3f}  {kernel[:90]}")
        if label in SAMPLERS:
            wall, kernels = phase.wall / steps * 1e3, phase.kernels / steps * 1e3
            print(f"{'  a step, all calls (ms)':22} {'':5} {wall:8.2f} {kernels:8.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variant", default="fast+compile")
    parser.add_argument("--steps", type=int, default=5, help="keyframe and video steps of the profiled job")
    parser.add_argument("--rows", type=int, default=5, help="kernel families listed per phase")
    args = parser.parse_args()
    os.environ.update(allocator_environment(os.environ))  # as the CLI does
    device = torch.device("cuda")
    models = random_models(device, None)
    with Image.open(ROOT / "examples" / "1.jpg") as image:
        picture = np.asarray(image.convert("RGB"))
    keys, video = KeyframeSettings(steps=args.steps), VideoSettings(steps=args.steps)
    variant = parse_variant(args.variant, keys, video)
    if variant.compiled:
        compile_models(models, picture, variant, device)
    run_job(models, picture, variant, device)  # cuDNN's timings, allocator warm
    walls: dict[str, float] = defaultdict(float)
    job = synchronised("job", run_job, walls)
    with annotated(models, walls) as labels:
        job(models, picture, variant, device)
        timed = dict(walls)
        with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]) as report:
            job(models, picture, variant, device)
    print(f"{torch.cuda.get_device_name(device)}: {args.variant}, {args.steps} steps a stage")
    print_phases(split_by_phase(report, labels, timed), labels, args.steps, args.rows)


if __name__ == "__main__":
    main()
