"""Whether this machine's torch loads the AOTInductor packages it builds: a one-layer module, packaged
under a few build options, each loaded and run in a process of its own (so a crash is a row of the
table, not the end of the run). Prints a table.

    python benchmarks/aoti_loader.py [--device cuda]

On the device machine's torch 2.11.0+cu130 every load crashed (docs/performance.md); this finds
whether any build or load option avoids it, in about a minute a row.
"""

from __future__ import annotations

import argparse
import multiprocessing
import signal
import tempfile
import time
from pathlib import Path

import torch
from torch import nn

BUILDS = {
    "default": {},
    "kernels embedded in the .so": {"aot_inductor.embed_kernel_binary": True},
    "wrapper built -O0": {"aot_inductor.compile_wrapper_opt_level": "O0"},
}
LOADS = {"default": {}, "single-threaded runner": {"run_single_threaded": True}}


def build(folder: Path, device: str, options: dict) -> Path:
    module = nn.Linear(256, 256).to(device)
    example = torch.randn(8, 256, device=device)
    with torch.no_grad():
        exported = torch.export.export(module, (example,), strict=False)
    path = folder / f"linear-{len(list(folder.iterdir()))}.pt2"
    torch._inductor.aoti_compile_and_package(exported, package_path=str(path), inductor_configs=options)
    return path


def load_and_run(path: str, device: str, options: dict) -> None:
    runner = torch._inductor.aoti_load_package(path, **options)
    runner(torch.randn(8, 256, device=device))


def outcome(path: Path, device: str, options: dict) -> str:
    process = multiprocessing.get_context("spawn").Process(
        target=load_and_run, args=(str(path), device, options)
    )
    process.start()
    process.join()
    if process.exitcode == 0:
        return "loads and runs"
    if process.exitcode < 0:
        return f"crashed ({signal.Signals(-process.exitcode).name})"
    return f"failed (exit {process.exitcode})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = parser.parse_args()
    print(f"torch {torch.__version__}, CUDA {torch.version.cuda}, on {args.device}", flush=True)
    print(f"{'build':32} {'load':24} {'build s':>8}  outcome", flush=True)
    with tempfile.TemporaryDirectory(prefix="paintsundo-aoti-") as scratch:
        for build_name, build_options in BUILDS.items():
            started = time.perf_counter()
            try:
                path = build(Path(scratch), args.device, build_options)
            except Exception as error:  # an option this torch does not know
                print(f"{build_name:32} {'':24} {'':>8}  not built: {str(error).splitlines()[0]}")
                continue
            seconds = time.perf_counter() - started
            for load_name, load_options in LOADS.items():
                result = outcome(path, args.device, load_options)
                print(f"{build_name:32} {load_name:24} {seconds:8.1f}  {result}", flush=True)


if __name__ == "__main__":
    main()
