"""`paintsundo batch`: outputs, manifest lines, resume, contained failures, seeds and interruption."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import av
import pytest

from conftest import TINY_RELEASE, make_batch_folder, manifest_lines, phone_portrait, tiny_neural_settings
from paintsundo.batch import run_batch
from paintsundo.undo.settings import Settings

FAST = Settings(engine="procedural", frames=6, size="64", hold=0)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return make_batch_folder(tmp_path)


def test_a_folder_with_two_corrupt_pictures_gives_ten_videos_and_two_errors(folder, tmp_path):
    out = tmp_path / "out"
    summary = run_batch(str(folder), out, FAST)
    assert (summary.done, summary.failed, summary.skipped) == (10, 2, 0)
    assert len(list(out.glob("*.mp4"))) == 10
    records = manifest_lines(out / "batch.jsonl")
    assert len(records) == 12
    failed = sorted(Path(r["input"]).name for r in records if r["status"] == "failed")
    assert failed == ["broken.png", "truncated.jpg"]
    assert all(r["error"] for r in records if r["status"] == "failed")
    for record in records:
        assert {"input", "sha256", "output", "status", "seconds", "engine", "seed", "error"} <= set(record)


def test_rerun_does_nothing_and_a_deleted_output_is_redone_alone(folder, tmp_path):
    out = tmp_path / "out"
    run_batch(str(folder), out, FAST)
    before = (out / "batch.jsonl").read_text()
    again = run_batch(str(folder), out, FAST)
    assert (again.done, again.failed, again.skipped) == (0, 2, 10), "each picture counted once"
    assert (out / "batch.jsonl").read_text() == before
    (out / "p03.mp4").unlink()
    redo = run_batch(str(folder), out, FAST)
    assert (redo.done, redo.failed, redo.skipped) == (1, 2, 9) and (out / "p03.mp4").is_file()
    records = manifest_lines(out / "batch.jsonl")
    assert len(records) == 12 and len({r["key"] for r in records}) == 12, "one line per picture"
    retried = run_batch(str(folder), out, FAST, retry_failed=True)
    assert (retried.done, retried.failed, retried.skipped) == (0, 2, 10)


def test_a_rerun_redoes_an_output_that_another_run_replaced(folder, tmp_path):
    out, pictures = tmp_path / "out", str(folder / "p0[0-2].png")
    longer = Settings(engine="procedural", frames=9, size="64", hold=0)
    run_batch(pictures, out, longer)
    run_batch(pictures, out, FAST)  # the same outputs, made again with 6 frames
    third = run_batch(pictures, out, longer)
    assert (third.done, third.skipped) == (3, 0), "the 9-frame videos on disk are gone: not finished"
    with av.open(str(out / "p00.mp4")) as container:
        assert sum(1 for _ in container.decode(video=0)) == 9


def test_phone_portraits_keep_their_shape_in_a_batch(tmp_path):
    portrait = phone_portrait(tmp_path, 6)
    run_batch(str(portrait), tmp_path / "out", FAST)
    with av.open(str(tmp_path / "out" / f"{portrait.stem}.mp4")) as container:
        stream = container.streams.video[0]
        assert (stream.width, stream.height) == (48, 64)


def test_changed_settings_redo_the_work(folder, tmp_path):
    out = tmp_path / "out"
    run_batch(str(folder), out, FAST)
    changed = run_batch(str(folder), out, Settings(engine="procedural", frames=7, size="64", hold=0))
    assert changed.done == 10 and changed.skipped == 0


def test_seeds_follow_the_picture_not_its_path(folder, tmp_path):
    shutil.copy(folder / "p01.png", folder / "copy-of-p01.png")
    out = tmp_path / "out"
    run_batch(str(folder / "*.png"), out, FAST)
    seeds = {Path(r["input"]).name: r["seed"] for r in manifest_lines(out / "batch.jsonl")}
    assert seeds["copy-of-p01.png"] == seeds["p01.png"] != seeds["p02.png"]
    other = run_batch(
        str(folder / "*.png"), tmp_path / "other", FAST.__class__(**{**FAST.__dict__, "seed": 7})
    )
    assert other.done == 11
    moved = {Path(r["input"]).name: r["seed"] for r in manifest_lines(tmp_path / "other" / "batch.jsonl")}
    assert moved["p01.png"] != seeds["p01.png"], "the base seed changes every picture's seed"


def test_a_text_list_and_two_worker_processes(folder, tmp_path):
    listing = tmp_path / "list.txt"
    listing.write_text("# three pictures\nin/p00.png\n\nin/p01.png\nin/broken.png\n")
    summary = run_batch(str(listing), tmp_path / "out", FAST, workers=2)
    assert (summary.done, summary.failed) == (2, 1)
    assert len({r["worker"] for r in manifest_lines(tmp_path / "out" / "batch.jsonl")}) >= 1


def test_one_worker_per_gpu_each_sees_its_own(folder, tmp_path):
    summary = run_batch(str(folder / "p0[0-5].png"), tmp_path / "out", FAST, workers=4, gpus=["0", "1"])
    assert summary.done == 6
    seen = {(r["worker"], r["gpu"]) for r in manifest_lines(tmp_path / "out" / "batch.jsonl")}
    gpus_of = {}
    for worker, gpu in seen:
        gpus_of.setdefault(worker, set()).add(gpu)
    assert len(gpus_of) <= 2, "workers are capped at one per GPU"
    assert all(len(gpus) == 1 for gpus in gpus_of.values()), "a worker keeps its GPU"
    assert len({next(iter(g)) for g in gpus_of.values()}) == len(gpus_of), "no two workers share one"


def paintsundo_batch(folder: Path, out: Path, *extra: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "paintsundo", "batch", str(folder), "-o", str(out)]
    command += ["--engine", "procedural", "--frames", "40", "--size", "160", "-q", *extra]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for_records(manifest: Path, count: int, seconds: float = 120) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline and not (
        manifest.is_file() and len(manifest.read_text().splitlines()) >= count
    ):
        time.sleep(0.05)


def children(pid: int) -> set[int]:
    """The processes whose parent is `pid` (worker processes, the resource tracker)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def gone_within(pids: set[int], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not any(Path(f"/proc/{pid}").exists() for pid in pids):
            return True
        time.sleep(0.1)
    return False


SLOW = ("--frames", "300", "--size", "320")  # a second or two a picture: a batch still running when stopped


def test_workers_die_with_a_killed_parent(folder, tmp_path):
    out = tmp_path / "out"
    process = paintsundo_batch(folder, out, "--workers", "2", *SLOW)
    wait_for_records(out / "batch.jsonl", 1)
    workers = children(process.pid)
    assert len(workers) >= 2, "two workers (and the resource tracker) run"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert gone_within(workers, 10), "no worker outlives its batch"
    written = sorted(out.iterdir())
    time.sleep(2)
    assert sorted(out.iterdir()) == written, "nothing is written after the batch died"


@pytest.mark.parametrize(("stop", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_ctrl_c_or_sigterm_stops_the_whole_batch_and_says_what_finished(folder, tmp_path, stop, status):
    out = tmp_path / "out"
    process = paintsundo_batch(folder, out, "--workers", "2", *SLOW)
    wait_for_records(out / "batch.jsonl", 1)
    workers = children(process.pid)
    process.send_signal(stop)  # to the parent alone, as `kill` does
    _, errors = process.communicate(timeout=30)
    assert process.returncode == status, errors
    *failures, last = errors.strip().splitlines()
    assert all(line.startswith("failed: ") for line in failures), errors
    records = manifest_lines(out / "batch.jsonl")
    done = sum(record["status"] == "done" for record in records)
    failed = len(records) - done
    assert last.startswith(f"interrupted: {done} done and {failed} failed, 0 finished before"), errors
    assert len(records) < 12
    assert gone_within(workers, 10)
    assert not list(out.glob(".*partial*")), "the stopped workers' partial files are removed"


def test_killed_midway_then_rerun_finishes_without_duplicates(folder, tmp_path):
    out = tmp_path / "out"
    process = paintsundo_batch(folder, out)
    manifest = out / "batch.jsonl"
    wait_for_records(manifest, 3)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    finished_before = len(manifest_lines(manifest))
    assert 3 <= finished_before < 12, "killed midway"
    rerun = paintsundo_batch(folder, out)
    _, errors = rerun.communicate(timeout=300)
    assert rerun.returncode == 1, errors  # two pictures are corrupt
    records = manifest_lines(manifest)
    assert len(records) == 12 and len({r["key"] for r in records}) == 12
    assert len(list(out.glob("*.mp4"))) == 10 and not list(out.glob(".*tmp*")), "no partial files"
    assert "already finished" in errors and "2 failed" in errors


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["nowhere/"], "no pictures found in 'nowhere/'"),
        (["{folder}", "--workers", "0"], "--workers must be"),
    ],
)
def test_bad_batch_input_fails_with_one_line_and_writes_nothing(folder, tmp_path, arguments, message):
    out = tmp_path / "out"
    command = ["paintsundo", "batch", *(a.format(folder=folder) for a in arguments), "-o", str(out)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [f"error: {result.stderr.split('error: ', 1)[1].strip()}"]
    assert message in result.stderr and "Traceback" not in result.stderr
    assert not out.exists()


def test_neural_batch_loads_the_models_once_per_worker(folder, tmp_path, monkeypatch):
    from paintsundo.undo.pipeline import paints_undo
    from paintsundo.undo.pipeline.shared import shared_pipeline

    loads = []
    original = paints_undo.PaintsUndoPipeline._load

    def counting(self, name):
        if name not in self._loaded:
            loads.append(name)
        return original(self, name)

    monkeypatch.setattr(paints_undo.PaintsUndoPipeline, "_load", counting)
    shared_pipeline.clear()
    settings = tiny_neural_settings()
    summary = run_batch(str(folder / "p0[0-2].png"), tmp_path / "out", settings, models=str(TINY_RELEASE))
    assert (summary.done, summary.failed) == (3, 0)
    assert sorted(loads) == ["multi", "single"], "each model set loaded once for the three pictures"
    assert {r["engine"] for r in manifest_lines(tmp_path / "out" / "batch.jsonl")} == {"neural"}
