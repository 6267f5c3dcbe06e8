"""Preparing compiled work ahead of time: a short job at the wanted size records every call of the
compiled blocks, then each new call shape is exported (torch.export) with the block's weights as
inputs and compiled by AOTInductor into the machine's package folder (prepared.py).

    preparation = plan_preparation(paths, "cuda", KeyframeSettings(), VideoSettings())
    print(preparation.estimated_seconds)
    preparation.compile(progress)
"""

from __future__ import annotations

import dataclasses
import json
import multiprocessing
import os
import shutil
import tempfile
import time
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from paintsundo.errors import PaintsUndoError
from paintsundo.hub import ModelPaths
from paintsundo.timeline import Progress
from paintsundo.undo.pipeline.paints_undo import PaintsUndoPipeline
from paintsundo.undo.pipeline.settings import KeyframeSettings, VideoSettings
from paintsundo.undo.runtime.prepared import (
    UNLOADABLE,
    CallRecorder,
    PackageRunner,
    RecordedCall,
    compile_exported,
    export_call,
    machine_folder,
    machine_key,
    package_name,
    packages_in,
    preparation_state,
)

# For the estimate said before compiling; measured on an H200 (docs/performance.md).
SECONDS_PER_PACKAGE = 20.0
MAX_WORKERS = 8
RECORDING_STEPS = 2  # every shape of the job occurs within two sampling steps
RECORDING_PROMPT = "1girl"  # a prompt within one text chunk, like the tagger's
UNLOADABLE_MESSAGE = (
    "this torch build ({torch}) cannot load the packages it compiles ahead of time ({how}): runs stay"
    " eager; compile in the process instead, or try another torch build"
)


def _start_worker(threads: int) -> None:
    from torch._inductor import config

    config.compile_threads = threads  # the worker's share of the machine's cores for Triton


def compile_workers() -> tuple[int, int]:
    """(processes, Triton compile threads each): each package's C++ build is serial, so packages are
    built side by side, with the cores shared out between them."""
    cores = os.cpu_count() or 1
    processes = max(1, min(MAX_WORKERS, cores // 2))
    return processes, max(1, cores // processes)


@dataclass
class Preparation:
    """The calls of one job's shapes on one GPU that have no package yet."""

    device: torch.device
    folder: Path
    calls: list[RecordedCall]
    prepared_before: int  # the job's calls that already had a package

    @property
    def estimated_seconds(self) -> float:
        return len(self.calls) * SECONDS_PER_PACKAGE / compile_workers()[0]

    def compile(self, progress: Progress | None = None) -> float:
        """Export each call here, build the packages in worker processes; the seconds it took. The
        first package is loaded in a separate process before the others are built: a torch build whose
        loader crashes must fail here, once, and not in every later run."""
        started = time.perf_counter()
        if not self.calls:
            return 0.0
        self.folder.mkdir(parents=True, exist_ok=True)
        # What the folder's packages were built for, for a person looking into the cache.
        (self.folder / "machine.json").write_text(json.dumps(machine_key(self.device), indent=2) + "\n")
        report = progress or (lambda stage, done, total: None)
        processes, threads = compile_workers()
        spawn = multiprocessing.get_context("spawn")  # CUDA cannot be forked
        with (
            tempfile.TemporaryDirectory(prefix="paintsundo-prepare-") as scratch,
            ProcessPoolExecutor(processes, spawn, initializer=_start_worker, initargs=(threads,)) as pool,
        ):
            report("compiling blocks", 0, len(self.calls))
            first = self._submit(pool, self.calls[0], Path(scratch) / "0.pt2")
            first.result()
            self._check_loads(self.folder / package_name(self.calls[0].signature))
            rest = enumerate(self.calls[1:], 1)
            builds = [first, *(self._submit(pool, call, Path(scratch) / f"{i}.pt2") for i, call in rest)]
            for done, build in enumerate(as_completed(builds), 1):
                build.result()
                report("compiling blocks", done, len(self.calls))
        return time.perf_counter() - started

    def _submit(self, pool: ProcessPoolExecutor, call: RecordedCall, exported_file: Path) -> Future:
        torch.export.save(export_call(call), str(exported_file))
        package = str(self.folder / package_name(call.signature))
        return pool.submit(compile_exported, str(exported_file), package)

    def _check_loads(self, package: Path) -> None:
        index = self.device.index if self.device.index is not None else -1
        loader = multiprocessing.get_context("spawn").Process(target=probe_load, args=(str(package), index))
        loader.start()
        loader.join()
        if loader.exitcode != 0:
            package.unlink(missing_ok=True)
            (self.folder / UNLOADABLE).write_text(f"the loader exited with {loader.exitcode}\n")
            how = f"its loader exited with {loader.exitcode}"
            raise PaintsUndoError(UNLOADABLE_MESSAGE.format(torch=torch.__version__, how=how), "compile")


def probe_load(package: str, device_index: int) -> None:
    """Load a package: run in a process of its own, so that a crash in the loader is only reported."""
    PackageRunner(Path(package), device_index)


def check_compiler() -> None:
    """AOTInductor builds each package with the system's C++ compiler ($CXX, else torch's default)."""
    from torch._inductor import config

    compiler = os.environ.get("CXX") or config.cpp.cxx[-1]
    if shutil.which(str(compiler)) is None:
        raise PaintsUndoError(
            f"preparing compiled work needs a C++ compiler ({compiler}) on the PATH: install one"
            " (for example g++), or run without prepared work",
            "compiler",
        )


def plan_preparation(
    paths: ModelPaths,
    device: str | torch.device,
    keyframe_settings: KeyframeSettings,
    video_settings: VideoSettings,
    progress: Progress | None = None,
) -> Preparation:
    """Run the job at `RECORDING_STEPS` steps, eager, recording its block calls; those of them not yet
    prepared for this machine are the preparation's."""
    device = torch.device(device)
    if device.type != "cuda":
        raise PaintsUndoError("compiled work is prepared for a CUDA GPU, and none was chosen", "device")
    check_compiler()
    if preparation_state(device) == "unloadable":
        raise PaintsUndoError(UNLOADABLE_MESSAGE.format(torch=torch.__version__, how="earlier"), "compile")
    if progress:
        progress("recording the block calls (two steps, eager)", 0, 1)
    recorder = CallRecorder()
    pipeline = PaintsUndoPipeline(paths, device, "fast", calls=recorder)
    picture = np.full((keyframe_settings.height, keyframe_settings.width, 3), 255, np.uint8)
    short_keyframes = dataclasses.replace(keyframe_settings, steps=RECORDING_STEPS)
    short_video = dataclasses.replace(video_settings, steps=RECORDING_STEPS)
    pipeline(picture, short_keyframes, short_video, prompt=RECORDING_PROMPT, progress=progress)
    folder = machine_folder(device)
    present = {path.name for path in packages_in(folder)}
    calls = list(recorder.calls.values())
    todo = [call for call in calls if package_name(call.signature) not in present]
    return Preparation(device, folder, todo, len(calls) - len(todo))
