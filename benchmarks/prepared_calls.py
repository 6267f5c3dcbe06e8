"""Each prepared (ahead-of-time compiled) block call against the same call run eager, at the released
sizes with random weights: the per-call error and the time of both. Prints a table.

    python benchmarks/prepared_calls.py [--weights DIR] [--stage keyframes|video|both] [--limit N]

The calls are those of the default job (recorded at two steps); packages already in the machine's
folder are used, the others compiled first (as `paintsundo compile` does).
"""

from __future__ import annotations

import argparse
import faulthandler
from pathlib import Path

import numpy as np
import torch
from torch.utils import _pytree as pytree

from _shared import PICTURE, PROMPT, WEIGHTS
from _shared.released_random import median_seconds, write_weights
from paintsundo.hub import layout
from paintsundo.models.compiling import run_eager
from paintsundo.undo.pipeline.paints_undo import PaintsUndoPipeline
from paintsundo.undo.pipeline.preparing import RECORDING_STEPS, Preparation
from paintsundo.undo.pipeline.settings import KeyframeSettings, VideoSettings
from paintsundo.undo.runtime.prepared import CallRecorder, PreparedWork, module_tensors, package_name


def recorded_calls(weights: Path, stage: str) -> list:
    """The default job's block calls (two steps), recorded on cuda:0."""
    from PIL import Image

    recorder = CallRecorder()
    pipeline = PaintsUndoPipeline(layout(weights, "benchmark"), "cuda", "fast", calls=recorder)
    with Image.open(PICTURE) as image:
        picture = np.asarray(image.convert("RGB"))
    keyframe_settings = KeyframeSettings(steps=RECORDING_STEPS)
    keyframes = pipeline.keyframes(picture, keyframe_settings, PROMPT)
    if stage != "keyframes":
        if stage == "video":
            recorder.calls.clear()
        pipeline.video(keyframes, VideoSettings(steps=RECORDING_STEPS))
    return list(recorder.calls.values())


def compare(call, runner) -> tuple[float, float, float]:
    """(relative error, eager ms, prepared ms) of one call on random inputs of its shapes."""
    args, kwargs = pytree.tree_map_only(
        torch.Tensor,
        lambda t: t.normal_() if t.is_floating_point() else t.zero_(),
        pytree.tree_map_only(torch.Tensor, torch.empty_like, (call.args, call.kwargs)),
    )
    weights = module_tensors(call.module)
    with torch.inference_mode():
        eager = run_eager(call.module, call.method, args, kwargs)
        prepared = runner(weights, args, kwargs)
        ours, reference = pytree.tree_leaves(prepared)[0].float(), pytree.tree_leaves(eager)[0].float()
        error = float((ours - reference).norm() / reference.norm())
        eager_s, _ = median_seconds(lambda: run_eager(call.module, call.method, args, kwargs), 5)
        prepared_s, _ = median_seconds(lambda: runner(weights, args, kwargs), 5)
    return error, 1e3 * eager_s, 1e3 * prepared_s


def main() -> None:
    faulthandler.enable()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", type=Path, default=WEIGHTS)
    parser.add_argument("--stage", choices=("keyframes", "video", "both"), default="both")
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args()
    weights = write_weights(args.weights)
    calls = recorded_calls(weights, args.stage)[: args.limit]
    work = PreparedWork.for_device(torch.device("cuda:0"))
    missing = [call for call in calls if not (work.folder / package_name(call.signature)).is_file()]
    if missing:
        seconds = Preparation(work.device, work.folder, missing, len(calls) - len(missing)).compile()
        print(f"compiled {len(missing)} packages in {seconds:.0f} s", flush=True)
    print(f"{'block call':58} {'rel. error':>10} {'eager ms':>9} {'prepared ms':>12}", flush=True)
    totals = [0.0, 0.0]
    for call in calls:
        runner = work.runner(call.signature)
        error, eager_ms, prepared_ms = compare(call, runner)
        totals[0], totals[1] = totals[0] + eager_ms, totals[1] + prepared_ms
        name = call.signature[0].rsplit(".", 2)[-2] + "." + call.signature[0].rsplit(".", 1)[-1]
        shape = next((leaf[1] for leaf in call.signature[3] if leaf[0] == "tensor"), ())
        print(f"{name + ' ' + str(shape):58} {error:10.2e} {eager_ms:9.3f} {prepared_ms:12.3f}", flush=True)
    print(f"{'sum over the distinct calls':58} {'':10} {totals[0]:9.2f} {totals[1]:12.2f}")


if __name__ == "__main__":
    main()
