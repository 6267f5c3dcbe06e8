"""`paintsundo batch --ray` on a local Ray instance on the CPU: outputs, a killed worker, tiny neural
checkpoints, and the errors."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import av
import numpy as np
import pytest
import ray
from PIL import Image

from conftest import TINY_RELEASE, make_batch_folder, manifest_lines, tiny_neural_settings
from paintsundo.batch import RayOptions, run_batch
from paintsundo.errors import PaintsUndoError
from paintsundo.undo.settings import Settings

FAST = Settings(engine="procedural", frames=6, size="64", hold=0)
# Slow enough (about a second a picture) for a worker to be killed while it draws.
SLOWER = Settings(engine="procedural", frames=24, size="192", hold=0)


@pytest.fixture(scope="module")
def local_ray():
    """One local instance for the module; run_batch joins it and leaves it running."""
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return make_batch_folder(tmp_path)


def sidecar_of(video: Path) -> Path:
    return video.with_name(video.name + ".json")


def decoded(video: Path) -> np.ndarray:
    """A video's frames (n h w 3, int16)."""
    with av.open(str(video)) as container:
        return np.stack([frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]).astype(
            np.int16
        )


def read_png(path: Path) -> np.ndarray:
    with Image.open(path) as picture:
        return np.asarray(picture.convert("RGB"))


def test_ray_gives_the_same_outputs_as_local_workers(local_ray, folder, tmp_path):
    summary = run_batch(str(folder), tmp_path / "ray", FAST, ray=RayOptions())
    assert (summary.done, summary.failed) == (10, 2)
    records = manifest_lines(tmp_path / "ray" / "batch.jsonl")
    assert len(records) == 12 and len({r["key"] for r in records}) == 12
    assert all(r["node"] for r in records), "each record names the machine that drew it"
    assert len({r["worker"] for r in records}) == 2, "two actors, one per CPU of the cluster"
    errors = {Path(r["input"]).name: r["error"] for r in records if r["status"] == "failed"}
    assert set(errors) == {"broken.png", "truncated.jpg"}
    assert all(str(folder) in error for error in errors.values()), "errors name the driver's paths"
    run_batch(str(folder), tmp_path / "local", FAST)
    videos = sorted((tmp_path / "local").glob("*.mp4"))
    assert len(videos) == 10
    for output in videos:
        drawn = [
            json.loads(sidecar_of(tmp_path / side / output.name).read_text()) for side in ("ray", "local")
        ]
        assert drawn[0]["workflow"] == drawn[1]["workflow"], "same seeds, the same workflow and marks"
        ray_frames, local_frames = decoded(tmp_path / "ray" / output.name), decoded(output)
        assert len(ray_frames) == len(local_frames)
        # libx264's AVX-512 lookahead (scene cuts, B-frames, MB-tree) reads memory it has not
        # written, so the same frames encode a little differently in a process whose heap holds
        # leftovers (seen after the app's tests: a video in ten, a suite in five; up to 8 levels
        # where a macroblock's quantiser moved). The drawn frames are compared exactly below; the
        # videos are held to the same picture: under a level apart on average in every frame.
        apart = np.abs(ray_frames - local_frames)
        assert apart.mean(axis=(1, 2, 3)).max() <= 1.0 and apart.max() <= 16, "same seeds, same video"
    run_batch(str(folder), tmp_path / "ray-png", FAST, format="frames", ray=RayOptions())
    run_batch(str(folder), tmp_path / "local-png", FAST, format="frames")
    frames = sorted(
        path.relative_to(tmp_path / "local-png") for path in (tmp_path / "local-png").rglob("*.png")
    )
    assert len(frames) == 10 * FAST.frames
    for frame in frames:
        drawn = [read_png(tmp_path / side / frame) for side in ("ray-png", "local-png")]
        np.testing.assert_array_equal(*drawn, err_msg=f"{frame}: same seeds, the same frames")
    sidecar = json.loads((tmp_path / "ray" / "p00.mp4.json").read_text())
    assert sidecar["input"]["path"] == str(folder / "p00.png")
    assert sidecar["output"]["path"] == str((tmp_path / "ray" / "p00.mp4").resolve())
    again = run_batch(str(folder), tmp_path / "ray", FAST, ray=RayOptions())
    assert (again.done, again.failed, again.skipped) == (0, 2, 10), "a rerun on Ray skips what is finished"


def test_a_killed_ray_worker_loses_and_duplicates_nothing(local_ray, folder, tmp_path):
    out = tmp_path / "out"
    killed: list[int] = []

    def kill_first_worker(finished: int, total: int, record: dict | None) -> None:
        if record is not None and not killed:
            killed.append(record["worker"])
            # Shortly after: the actor has been given its next picture and is drawing it.
            threading.Timer(0.3, os.kill, (record["worker"], signal.SIGKILL)).start()

    summary = run_batch(str(folder), out, SLOWER, ray=RayOptions(), progress=kill_first_worker)
    assert (summary.done, summary.failed) == (10, 2)
    records = manifest_lines(out / "batch.jsonl")
    assert len(records) == 12 and len({r["key"] for r in records}) == 12, "each picture once"
    assert sorted(p.name for p in out.glob("*.mp4")) == [f"p{i:02d}.mp4" for i in range(10)]
    redone = [r for r in records if r.get("attempts") == 2]
    assert len(redone) == 1 and redone[0]["worker"] != killed[0], "its picture went to a new actor"
    assert not list(out.glob(".*")), "no temporary files left"


def test_ray_runs_the_neural_engine_on_tiny_checkpoints(local_ray, folder, tmp_path):
    settings = tiny_neural_settings()
    summary = run_batch(
        str(folder / "p0[0-1].png"), tmp_path / "out", settings, models=str(TINY_RELEASE), ray=RayOptions()
    )
    assert (summary.done, summary.failed) == (2, 0)
    records = manifest_lines(tmp_path / "out" / "batch.jsonl")
    assert {r["engine"] for r in records} == {"neural"}
    sidecar = json.loads((tmp_path / "out" / "p01.mp4.json").read_text())
    assert sidecar["engine"] == "neural" and sidecar["output"]["frames"] == 3 * 15


def test_without_ray_installed_the_error_says_what_to_install(folder, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(PaintsUndoError, match=r"running on Ray needs ray: install paintsundo\[ray\]"):
        run_batch(str(folder), tmp_path / "out", FAST, ray=RayOptions())
    assert not (tmp_path / "out").exists()


def test_the_cli_without_ray_installed_fails_before_it_shows_or_writes_anything(folder, tmp_path):
    script = "import sys\nsys.modules['ray'] = None\nfrom paintsundo.cli import main\nmain()"
    out = tmp_path / "out"
    command = [sys.executable, "-c", script, "batch", str(folder), "-o", str(out), "--ray"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr == "error: running on Ray needs ray: install paintsundo[ray]\n"
    assert not out.exists(), "no manifest, no folder"


def test_cli_starts_and_stops_its_own_local_ray(folder, tmp_path):
    out = tmp_path / "out"
    command = ["paintsundo", "batch", str(folder / "p0[0-2].png"), "-o", str(out), "--ray", "-q"]
    command += ["--engine", "procedural", "--frames", "6", "--size", "64"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "3 done, 0 failed" in result.stderr
    assert len(list(out.glob("*.mp4"))) == 3


def test_an_unreachable_cluster_fails_at_once_with_one_line(folder, tmp_path):
    out = tmp_path / "out"
    command = ["paintsundo", "batch", str(folder), "-o", str(out), "--ray-address", "127.0.0.1:9"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().startswith("error: could not reach the Ray cluster at 127.0.0.1:9")
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert not out.exists(), "nothing written"
