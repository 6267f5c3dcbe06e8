"""Whether this machine's torch loads the AOTInductor packages it builds: a one-layer module,
packaged under a few build options and loaded three ways, each load in a process of its own (so a
crash is a row of the table, not the end of the run). Prints a table.

    python benchmarks/aoti_loader.py [--device cuda] [--backtrace]

On the device machine's torch 2.11.0+cu130 torch's own two routes crash: that build links libstdc++
into each package's library, and the second C++ runtime dies in std::locale (docs/performance.md).
`--backtrace` reruns the first crash under cuda-gdb (the device has no gdb) and prints its stack.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import torch
from torch import nn


class WeightsAsInputs(nn.Module):
    """The layout the prepared packages use: the layer's weights are call arguments."""

    def forward(self, x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        return nn.functional.linear(x, weight, bias)


BUILDS = {
    "weights as constants": ({}, False),
    "weights as constants, kernels in .so": ({"aot_inductor.embed_kernel_binary": True}, False),
    "weights as inputs": ({}, True),
}


def example_inputs(device: str, weights_as_inputs: bool) -> tuple[torch.Tensor, ...]:
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(8, 256, generator=generator)
    if not weights_as_inputs:
        return (x.to(device),)
    weight, bias = torch.randn(256, 256, generator=generator), torch.randn(256, generator=generator)
    return tuple(t.to(device) for t in (x, weight, bias))


def build(folder: Path, device: str, options: dict, weights_as_inputs: bool) -> Path:
    module = WeightsAsInputs() if weights_as_inputs else nn.Linear(256, 256).to(device)
    with torch.no_grad():
        exported = torch.export.export(module, example_inputs(device, weights_as_inputs), strict=False)
    path = folder / f"linear-{len(list(folder.iterdir()))}.pt2"
    torch._inductor.aoti_compile_and_package(exported, package_path=str(path), inductor_configs=options)
    return path


def run_package_loader(path: str, device: str, weights_as_inputs: bool) -> None:
    runner = torch._inductor.aoti_load_package(path)
    runner(*example_inputs(device, weights_as_inputs))


def run_container_runner(path: str, device: str, weights_as_inputs: bool) -> None:
    """Skips the package loader: extracts the library and hands it to the bare container runner."""
    folder = Path(tempfile.mkdtemp(prefix="paintsundo-aoti-so-"))
    try:
        with zipfile.ZipFile(path) as package:
            package.extractall(folder)
        library = next(folder.rglob("*.so"))
        if device == "cpu":
            runner = torch._C._aoti.AOTIModelContainerRunnerCpu(str(library), 1)
        else:
            runner = torch._C._aoti.AOTIModelContainerRunnerCuda(str(library), 1, device, str(library.parent))
        runner.run(list(example_inputs(device, weights_as_inputs)))
        torch.cuda.synchronize() if device != "cpu" else None
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run_our_loader(path: str, device: str, weights_as_inputs: bool) -> None:
    """paintsundo's route: torch's C++ package loader, with the process's C++ runtime shared."""
    from paintsundo.undo.runtime.prepared import PackageRunner

    index = -1 if device == "cpu" else torch.device(device).index or 0
    PackageRunner(Path(path), index)(*example_inputs(device, weights_as_inputs))


LOADS = {
    "package loader": run_package_loader,
    "container runner": run_container_runner,
    "paintsundo's loader": run_our_loader,
}


def outcome(route: str, path: Path, device: str, weights_as_inputs: bool) -> str:
    process = multiprocessing.get_context("spawn").Process(
        target=LOADS[route], args=(str(path), device, weights_as_inputs)
    )
    process.start()
    process.join()
    if process.exitcode == 0:
        return "loads and runs"
    if process.exitcode < 0:
        return f"crashed ({signal.Signals(-process.exitcode).name})"
    return f"failed (exit {process.exitcode})"


def print_backtrace(route: str, path: Path, device: str, weights_as_inputs: bool) -> None:
    call = f"import aoti_loader as a; a.LOADS[{route!r}]({str(path)!r}, {device!r}, {weights_as_inputs})"
    command = ["cuda-gdb", "-batch", "-ex", "run", "-ex", "bt 30", "--args", sys.executable, "-c", call]
    here = str(Path(__file__).parent)
    result = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": here})
    print("\n".join((result.stdout + result.stderr).splitlines()[-45:]), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--backtrace", action="store_true")
    args = parser.parse_args()
    print(f"torch {torch.__version__}, CUDA {torch.version.cuda}, on {args.device}", flush=True)
    print(f"{'build':38} {'load':20} {'build s':>8}  outcome", flush=True)
    first_crash = None
    with tempfile.TemporaryDirectory(prefix="paintsundo-aoti-") as scratch:
        for build_name, (options, weights_as_inputs) in BUILDS.items():
            started = time.perf_counter()
            try:
                path = build(Path(scratch), args.device, options, weights_as_inputs)
            except Exception as error:  # an option this torch does not know
                print(f"{build_name:38} {'':20} {'':>8}  not built: {str(error).splitlines()[0]}")
                continue
            seconds = time.perf_counter() - started
            for route in LOADS:
                result = outcome(route, path, args.device, weights_as_inputs)
                print(f"{build_name:38} {route:20} {seconds:8.1f}  {result}", flush=True)
                if result.startswith("crashed") and first_crash is None:
                    first_crash = (route, path, args.device, weights_as_inputs)
        if args.backtrace and first_crash:
            print_backtrace(*first_crash)


if __name__ == "__main__":
    main()
