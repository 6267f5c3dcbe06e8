"""One picture shared out between devices: the schedule, and the same frames as one device makes,
checked with two CPU "devices" on the tiny checkpoints in the released layout."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import TINY_RELEASE


@pytest.mark.parametrize(("count", "parts"), [(6, 2), (7, 2), (4, 3), (2, 4), (1, 1), (5, 5), (9, 4)])
def test_work_is_shared_in_contiguous_runs_that_differ_by_one_at_most(count, parts):
    from paintsundo.undo.pipeline.spread import share

    runs = share(count, parts)
    assert [index for run in runs for index in run] == list(range(count)), "every item once, in order"
    sizes = [len(run) for run in runs]
    assert len(runs) == min(count, parts) and min(sizes) >= 1
    assert max(sizes) - min(sizes) <= 1 and sizes == sorted(sizes, reverse=True)


@pytest.fixture(scope="module")
def pipelines():
    from paintsundo.hub import layout
    from paintsundo.undo.pipeline.paints_undo import PaintsUndoPipeline
    from paintsundo.undo.pipeline.spread import SpreadPipeline

    paths = layout(TINY_RELEASE, "test")
    spread = SpreadPipeline(paths, ["cpu", "cpu"])  # two worker processes
    yield PaintsUndoPipeline(paths, "cpu"), spread
    spread.close()


def job():
    from paintsundo.undo.pipeline.settings import KeyframeSettings, VideoSettings

    keys = KeyframeSettings(width=64, height=64, operation_steps=(400, 999), steps=2)
    # Two keyframes and two ends make three segments: a batch of two on one device, of one on the other.
    return keys, VideoSettings(steps=2, buckets=((64, 64),), seed=7)


def test_two_devices_make_the_frames_one_device_makes(pipelines, example_paths):
    from PIL import Image

    one, two = pipelines
    picture = np.asarray(Image.open(example_paths[0]).convert("RGB").resize((96, 128)))
    keys, video = job()
    seen = []
    alone = one(picture, keys, video, prompt="1girl")
    shared = two(picture, keys, video, prompt="1girl", progress=lambda *report: seen.append(report))
    steps = [entry["operation_step"] for entry in shared.details["keyframes"]]
    assert steps == [0, 400, 999, 1000]
    assert shared.details["devices"] == ["cpu", "cpu"] and len(shared) == len(alone) == 3 * 15
    difference = np.abs(np.stack(shared.frames).astype(int) - np.stack(alone.frames).astype(int))
    assert difference.max() <= 2, "the same frames, up to rounding of a smaller keyframe batch"
    assert shared.stages == alone.stages and shared.events == alone.events
    assert {label for label, _, _ in seen} >= {"keyframes", "video 1-2/3"}, "the first device reports"


def test_user_keyframes_keep_their_steps_when_shared_out(pipelines, example_paths):
    from PIL import Image

    _, two = pipelines
    picture = np.asarray(Image.open(example_paths[1]).convert("RGB").resize((64, 64)))
    keys, _ = job()
    lines = np.zeros((64, 64, 3), np.uint8)
    sequence = two.keyframes(picture, keys, "1girl", [(lines, 800)])
    assert [(k.step, k.source) for k in sequence] == [
        (0, "input"), (400, "generated"), (800, "user"), (999, "generated"), (1000, "blank"),
    ]  # fmt: skip
    assert np.array_equal(sequence[2].picture, lines)


def test_gpus_are_checked_before_any_work(tmp_path):
    import os
    import subprocess

    from paintsundo.errors import PaintsUndoError
    from paintsundo.undo.settings import Settings

    assert Settings(gpus=[1, 0]).gpus == (1, 0)
    for wrong, message in [((0, 0), "distinct"), ((-1,), "distinct")]:
        with pytest.raises(PaintsUndoError, match=message):
            Settings(gpus=wrong)
    with pytest.raises(PaintsUndoError, match="needs the CUDA device"):
        Settings(gpus=(0, 1), device="cpu")
    picture = TINY_RELEASE.parent / "kinds" / "pencil-turtle.png"
    command = ["paintsundo", "run", str(picture), "-o", str(tmp_path / "o.mp4"), "--engine", "neural"]
    command += ["--models", str(TINY_RELEASE), "--prompt", "1girl", "--gpus", "0,1"]
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": ""}  # as on a machine without a GPU
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip() == "error: GPU 0 is not there: this machine shows no CUDA GPU (--gpus)"
    assert not any(tmp_path.iterdir()), "nothing is written"


def test_a_failure_in_a_worker_is_raised_in_one_line_and_the_workers_stay(pipelines):
    import dataclasses

    from paintsundo.errors import PaintsUndoError

    _, two = pipelines
    keys, _ = job()
    odd = dataclasses.replace(keys, width=72)  # a multiple of 8, not of the UNet's 16
    with pytest.raises(PaintsUndoError, match="multiples of 16"):
        two.keyframes(np.zeros((64, 64, 3), np.uint8), odd, "1girl")
    again = two.keyframes(np.zeros((64, 64, 3), np.uint8), keys, "1girl")
    assert len(again) == 4, "the workers go on to the next picture"


def test_a_worker_that_dies_is_one_line_and_the_next_picture_starts_fresh_workers(pipelines):
    from paintsundo.errors import PaintsUndoError

    _, two = pipelines
    keys, _ = job()
    blank = np.zeros((64, 64, 3), np.uint8)
    assert len(two.keyframes(blank, keys, "1girl")) == 4  # the workers are up
    for process in list(two._workers[1]._processes.values()):  # as the system's OOM killer would
        process.kill()
    with pytest.raises(PaintsUndoError, match="the worker process for cpu stopped"):
        two.keyframes(blank, keys, "1girl")
    assert len(two.keyframes(blank, keys, "1girl")) == 4, "fresh workers take the next picture"


def test_how_each_devices_block_calls_ran_is_reported_together():
    from paintsundo.undo.pipeline.spread import _summed_calls

    each = [{"prepared": 40, "eager": 2}, {"prepared": 38, "eager": 0, "broken": ["a.pt2: cut"]}]
    assert _summed_calls(each) == {"prepared": 78, "eager": 2, "broken": ["a.pt2: cut"]}
    assert _summed_calls(each[:1]) == {"prepared": 40, "eager": 2}, "no broken list when none broke"


def test_the_shared_spread_pipeline_stops_the_old_workers_before_others_start():
    """The process's spread pipeline is kept while its arguments stay; others stop its workers (and
    their models) first, and `clear` stops them."""
    from paintsundo.hub import layout
    from paintsundo.undo.pipeline.spread import shared_spread_pipeline

    stopped = []

    class Worker:
        def shutdown(self, **how):
            stopped.append(how)

    paths = layout(TINY_RELEASE, "test")
    shared_spread_pipeline.clear()
    first = shared_spread_pipeline(paths, ("cpu", "cpu"), "fast", False)
    assert shared_spread_pipeline(paths, ("cpu", "cpu"), "fast", False) is first
    first._workers = [Worker(), Worker()]  # as if it had run a picture
    second = shared_spread_pipeline(paths, ("cpu", "cpu"), "low", False)
    assert second is not first and len(stopped) == 2 and first._workers == []
    second._workers = [Worker()]
    shared_spread_pipeline.clear()
    assert len(stopped) == 3 and second._workers == []
