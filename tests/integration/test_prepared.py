"""Compiled work prepared ahead of time: which package a call finds, the eager fallback when none is
there or one is damaged, and one real package built and used on the CPU (tiny checkpoints)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from conftest import TINY_RELEASE


def job():
    from paintsundo.undo.pipeline.settings import KeyframeSettings, VideoSettings

    keys = KeyframeSettings(width=64, height=64, operation_steps=(400, 999), steps=2)
    return keys, VideoSettings(steps=2, buckets=((64, 64),))


PICTURE = np.full((64, 64, 3), 200, np.uint8)


@pytest.fixture(scope="module")
def recorded():
    """The tiny job's frames run plainly, and its calls recorded through the preparation's route."""
    from paintsundo.hub import layout
    from paintsundo.undo.pipeline.paints_undo import PaintsUndoPipeline
    from paintsundo.undo.runtime.prepared import CallRecorder

    paths = layout(TINY_RELEASE, "test")
    plain = PaintsUndoPipeline(paths, "cpu", "fast")(PICTURE, *job(), prompt="1girl").frames
    recorder = CallRecorder()
    PaintsUndoPipeline(paths, "cpu", "fast", calls=recorder)(PICTURE, *job(), prompt="1girl")
    return paths, plain, recorder.calls


def run_with(paths, work):
    from paintsundo.undo.pipeline.paints_undo import PaintsUndoPipeline

    return PaintsUndoPipeline(paths, "cpu", "fast", calls=work)(PICTURE, *job(), prompt="1girl")


def largest_difference(frames, reference) -> int:
    return int(np.abs(np.stack(frames).astype(int) - np.stack(reference).astype(int)).max())


def test_a_call_is_keyed_by_block_weights_layout_shapes_and_values():
    from paintsundo.undo.runtime.prepared import call_signature, module_tensors, package_name, weights_layout

    block = torch.nn.Conv2d(4, 4, 3)
    layout = weights_layout(module_tensors(block))
    x = torch.zeros(1, 4, 8, 8)
    name = package_name(call_signature(block, "forward", (x,), {}, layout))
    assert name == package_name(call_signature(block, "forward", (torch.ones(1, 4, 8, 8),), {}, layout))
    others = [
        call_signature(block, "forward", (torch.zeros(2, 4, 8, 8),), {}, layout),  # another shape
        call_signature(block, "forward", (x.half(),), {}, layout),  # another dtype
        call_signature(block, "forward", (x.to(memory_format=torch.channels_last),), {}, layout),
        call_signature(block, "forward", (x,), {"scale": 2.0}, layout),  # another value
        call_signature(block, "other", (x,), {}, layout),  # another method
        call_signature(torch.nn.Conv2d(4, 4, 3), "forward", (x,), {}, layout),  # another block alike
        call_signature(block, "forward", (x,), {}, weights_layout({"weight": torch.zeros(4, 4, 1, 1)})),
    ]
    names = [package_name(signature) for signature in others]
    assert names[5] == name, "blocks of one class and weights layout share their package"
    del names[5]
    assert len(set(names)) == len(names) and name not in names


def test_the_machine_folder_changes_with_torch_the_gpu_and_our_code(monkeypatch, tmp_path):
    from paintsundo.undo.runtime import prepared

    cpu = torch.device("cpu")
    folder = prepared.machine_folder(cpu, tmp_path)
    assert folder == prepared.machine_folder(cpu, tmp_path) and folder.parent == tmp_path
    monkeypatch.setattr(torch, "__version__", "0.0.0")
    assert prepared.machine_folder(cpu, tmp_path) != folder, "another torch: packages are not found"
    monkeypatch.undo()
    monkeypatch.setattr(prepared, "code_digest", lambda: "changed")
    assert prepared.machine_folder(cpu, tmp_path) != folder, "our models changed: packages are stale"
    monkeypatch.undo()
    monkeypatch.setattr(prepared, "cpu_identity", lambda: "another processor")
    assert prepared.machine_folder(cpu, tmp_path) != folder, "a package's C++ is built for its CPU"
    monkeypatch.setenv(prepared.FOLDER_VARIABLE, str(tmp_path / "cache"))
    assert prepared.compiled_folder() == tmp_path / "cache"


MOVES = {  # a module the compiling uses, and one the blocks use, moved out of where they were
    "undo/runtime/acceleration.py": ("undo/runtime/speed_ups.py", "paintsundo.undo.runtime.speed_ups"),
    "models/group_norm.py": ("group_norms.py", "paintsundo.group_norms"),
}


def test_the_code_key_follows_moved_sources_and_changes_with_what_shapes_the_graphs(tmp_path):
    """The key's code part is found from the models' declarations and their imports, not listed by
    path: with sources moved (imports updated) it is still computed; a change to a moved source the
    blocks use changes it, a change to code they do not use (the hub) leaves it."""
    import os
    import shutil
    import subprocess
    import sys

    import paintsundo

    package = tmp_path / "paintsundo"
    shutil.copytree(Path(paintsundo.__file__).parent, package, ignore=shutil.ignore_patterns("__pycache__"))
    for old, (new, name) in MOVES.items():
        (package / old).rename(package / new)
        old_name = "paintsundo." + old.removesuffix(".py").replace("/", ".")
        for source in package.rglob("*.py"):
            text = source.read_text().replace(old_name, name)
            source.write_text(
                text.replace("runtime import acceleration", "runtime import speed_ups as acceleration")
            )

    def digest() -> str:
        code = "from paintsundo.undo.runtime.prepared import code_digest; print(code_digest())"
        environment = {**os.environ, "PYTHONPATH": str(tmp_path)}
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=environment)
        assert done.returncode == 0, done.stderr[-1000:]
        return done.stdout.strip()

    moved = digest()
    with (package / "hub.py").open("a") as hub:
        hub.write("# not part of any compiled graph\n")
    assert digest() == moved
    with (package / "group_norms.py").open("a") as norms:
        norms.write("EPSILON_NOTE = 'changed'\n")
    assert digest() != moved, "the blocks' GroupNorm changed: the packages are stale"


def test_calls_without_a_package_run_eager_and_are_counted(recorded, tmp_path):
    from paintsundo.undo.runtime.prepared import PreparedWork

    paths, plain, calls = recorded
    work = PreparedWork(tmp_path, torch.device("cpu"))
    process = run_with(paths, work)
    assert largest_difference(process.frames, plain) <= 1, "as plain, up to channels-last rounding"
    assert process.details["prepared_calls"] == {"prepared": 0, "eager": work.counts.eager}
    assert work.counts.eager > len(calls), "every call of every step ran eager"


def test_a_damaged_package_runs_eager_is_reported_and_removed(recorded, tmp_path):
    from paintsundo.undo.runtime.prepared import PreparedWork, package_name

    paths, plain, calls = recorded
    damaged = tmp_path / package_name(next(iter(calls)))
    damaged.write_bytes(b"not a package")
    work = PreparedWork(tmp_path, torch.device("cpu"))
    process = run_with(paths, work)
    assert largest_difference(process.frames, plain) <= 1
    (broken,) = process.details["prepared_calls"]["broken"]
    assert broken.startswith(damaged.name) and not damaged.exists(), "removed, so that it is rebuilt"


class Step(torch.nn.Module):
    def forward(self, x: torch.Tensor, before: torch.nn.Module | None = None) -> torch.Tensor:
        return 2 * (x if before is None else before(x))


def test_every_kind_of_block_is_recorded_but_calls_given_a_module_are_not(recorded):
    from paintsundo.undo.runtime.prepared import CallRecorder

    _, _, calls = recorded
    kinds = {signature[0].rsplit(".", 2)[-2] for signature in calls}
    assert {"ResBlock", "ResnetBlock2D", "Transformer2DModel", "VideoResBlock", "GroupNorm"} <= kinds
    recorder, x = CallRecorder(), torch.ones(2, 3)
    assert torch.equal(recorder(Step(), "forward", (x,), {"before": torch.nn.Identity()}), 2 * x)
    assert not recorder.calls, "a module argument cannot be exported: that call stays eager"
    assert torch.equal(recorder(Step(), "forward", (x,), {}), 2 * x) and len(recorder.calls) == 1


def test_unprepared_gpu_runs_find_nothing_and_compiling_in_process_routes_nothing(tmp_path, monkeypatch):
    from paintsundo.hub import layout
    from paintsundo.undo.pipeline.paints_undo import PaintsUndoPipeline
    from paintsundo.undo.runtime.prepared import FOLDER_VARIABLE, prepared_work

    monkeypatch.setenv(FOLDER_VARIABLE, str(tmp_path))
    assert prepared_work(torch.device("cpu")) is None, "packages are prepared for CUDA GPUs"
    assert PaintsUndoPipeline(layout(TINY_RELEASE, "test"), "cpu", "fast", compile=True).calls is None


def test_a_package_built_ahead_is_used_by_the_next_run(recorded, tmp_path):
    """One real AOTInductor package (a small block, on the CPU), exported and built by the functions
    that `paintsundo compile` runs in its worker processes."""
    from paintsundo.undo.runtime.prepared import (
        PackageRunner,
        PreparedWork,
        compile_exported,
        export_call,
        package_name,
    )

    paths, plain, calls = recorded
    smallest = min(calls.values(), key=lambda call: sum(t.numel() for t in call.module.parameters()))
    torch.export.save(export_call(smallest), tmp_path / "exported.pt2")
    package = tmp_path / package_name(smallest.signature)
    compile_exported(str(tmp_path / "exported.pt2"), str(package))
    assert package.is_file() and not list(tmp_path.glob(".partial-*"))
    work = PreparedWork(tmp_path, torch.device("cpu"))
    process = run_with(paths, work)
    assert process.details["prepared_calls"]["prepared"] > 0
    assert largest_difference(process.frames, plain) <= 1, "the same frames, up to rounding"
    with pytest.raises(ValueError, match="the package takes"):
        PackageRunner(package, -1)(smallest.args, smallest.kwargs)  # the block's weights left out


def test_a_torch_build_that_cannot_load_its_packages_is_found_before_the_rest_are_built(recorded, tmp_path):
    from paintsundo.errors import PaintsUndoError
    from paintsundo.undo.pipeline.preparing import Preparation

    _, _, calls = recorded
    package = tmp_path / "first.pt2"
    package.write_bytes(b"what a loader that fails would meet")
    preparation = Preparation(torch.device("cpu"), tmp_path, list(calls.values()), 0)
    with pytest.raises(PaintsUndoError, match="cannot load the packages it compiles") as raised:
        preparation._check_loads(package)
    assert "\n" not in str(raised.value) and not package.exists(), "one line, and nothing left to load"


def test_the_command_refuses_a_cpu_in_one_line_and_says_what_ran_eager(tmp_path, capsys):
    import subprocess

    from paintsundo.cli.run import _say_prepared_calls

    command = ["paintsundo", "compile", "--models", str(TINY_RELEASE), "--device", "cpu", "-q"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        "error: compiled work is prepared for a CUDA GPU, and none was chosen (--device)"
    ]
    _say_prepared_calls({"neural": {"prepared_calls": {"prepared": 9, "eager": 4, "broken": ["a.pt2: cut"]}}})
    said = capsys.readouterr().err
    assert "4 block calls had no prepared package" in said and "a.pt2: cut" in said
    assert said.count("paintsundo compile") == 2


def test_the_app_says_when_compiled_work_is_not_prepared_for_its_gpu(monkeypatch):
    import paintsundo.undo.neural
    from paintsundo.app.layout import build
    from paintsundo.app.scratch import Scratch
    from paintsundo.app.server import compiled_work_note

    assert compiled_work_note() == "", "no GPU here: nothing to prepare"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    for state, said in [("unprepared", True), ("prepared", False), ("unloadable", False)]:
        monkeypatch.setattr(paintsundo.undo.neural, "compiled_work_state", lambda device, state=state: state)
        assert ("`paintsundo compile` prepares it once" in compiled_work_note()) == said
    note = "Compiled work is not prepared for this GPU"
    scratch = Scratch()
    try:
        page = build([], scratch, None, True, "", note)
    finally:
        scratch.remove()
    assert any(note in str(part.get("props", {}).get("value", "")) for part in page.config["components"])


# A library that carries its own copy of libstdc++ and uses std::locale, as the packages that some
# torch builds write do (their loader crashed on the device until the runtime was shared).
LOCALE_USER = """
#include <regex>
#include <string>
extern "C" int matches(const char* text) {
  return std::regex_match(std::string(text), std::regex("(cpu|cuda)(:[0-9]+)?")) ? 1 : 0;
}
"""
LOAD_IT = """
import ctypes, sys, torch
if sys.argv[2] == "shared":
    from paintsundo.undo.runtime.prepared import share_cpp_runtime
    share_cpp_runtime()
print(ctypes.CDLL(sys.argv[1]).matches(b"cuda:0"))
"""


def test_a_library_with_its_own_cpp_runtime_loads_once_the_runtime_is_shared(tmp_path):
    import os
    import subprocess
    import sys

    from torch._inductor import config

    source, library = tmp_path / "locale_user.cpp", tmp_path / "locale_user.so"
    source.write_text(LOCALE_USER)
    compiler = os.environ.get("CXX") or config.cpp.cxx[-1]
    build = [compiler, "-shared", "-fPIC", "-O1", "-static-libstdc++", "-o", str(library), str(source)]
    subprocess.run(build, check=True)

    def load(how: str) -> subprocess.CompletedProcess:
        command = [sys.executable, "-c", LOAD_IT, str(library), how]
        return subprocess.run(command, capture_output=True, text=True, timeout=120)

    assert load("alone").returncode != 0, "two C++ runtimes in one process: the hazard is real here"
    shared = load("shared")
    assert shared.returncode == 0 and shared.stdout.strip() == "1", shared.stderr[-500:]
