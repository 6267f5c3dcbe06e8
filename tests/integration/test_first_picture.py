"""What a fresh process overlaps before its first picture: the GPU's start with the imports, and
the video's models' reading with the keyframes (tiny checkpoints on the CPU)."""

from __future__ import annotations

import pytest
import torch

from conftest import TINY_RELEASE as TINY


def test_a_whole_picture_reads_the_video_models_on_another_thread(monkeypatch, tmp_path):
    """While the weights stay put, the multi-frame models are read on a background thread during
    the keyframes, and the same frames come out; a plan that moves weights reads them when used.
    A damaged file fails the run before any work, with the loader's message."""
    import shutil
    import threading

    import numpy as np

    import paintsundo.undo.pipeline.paints_undo as module
    from paintsundo.errors import PaintsUndoError
    from paintsundo.hub import layout
    from paintsundo.undo.pipeline.settings import KeyframeSettings, VideoSettings

    readers = []

    def recorded_reading(*args, **kwargs):
        readers.append(threading.current_thread() is threading.main_thread())
        return load_multi_frame(*args, **kwargs)

    load_multi_frame = module.load_multi_frame
    monkeypatch.setattr(module, "load_multi_frame", recorded_reading)
    job = (
        KeyframeSettings(width=64, height=64, operation_steps=(400, 999), steps=2),
        VideoSettings(steps=2, buckets=((64, 64),)),
    )
    picture = np.full((64, 64, 3), 200, np.uint8)
    frames = {}
    for memory in ("fast", "low"):
        pipeline = module.PaintsUndoPipeline(layout(TINY, "test"), "cpu", memory)
        frames[memory] = np.stack(pipeline(picture, *job, prompt="1girl").frames)
    assert readers == [False, True], "read ahead on another thread for fast, when used for low"
    assert np.abs(frames["fast"].astype(int) - frames["low"]).max() <= 1

    shutil.copytree(TINY, tmp_path / "models")
    unet = tmp_path / "models" / "paints_undo_multi_frame" / "unet" / "model.safetensors"
    unet.write_bytes(unet.read_bytes()[:1000])
    with pytest.raises(PaintsUndoError, match="truncated or corrupt"):  # the memory plan reads headers
        module.PaintsUndoPipeline(layout(tmp_path / "models", "test"), "cpu", "fast")


def test_a_device_start_that_fails_is_quiet_and_the_plan_meets_the_failure(monkeypatch):
    """The GPU's start overlaps the imports on a thread of its own; where it fails (here: no CUDA)
    nothing is printed or raised there and nothing is read ahead: choosing the plan, or the run's
    own use of the device, reports it. Off the GPU nothing begins: the plan is chosen when asked."""
    import threading

    from paintsundo.hub import layout
    from paintsundo.undo.runtime.device_start import DeviceStart

    failures = []
    monkeypatch.setattr(threading, "excepthook", failures.append)
    models = layout(TINY, "test")
    assert DeviceStart(models, "cpu", "auto").begin() is None
    start = DeviceStart(models, "cuda:7", "fast")
    thread = start.begin()
    assert thread is not None and thread.name == "paintsundo-device-start"
    thread.join(timeout=60)
    assert not thread.is_alive() and failures == []
    assert start.plan()[0].mode == "fast" and start.reads.held() == 0
    if not torch.cuda.is_available():
        automatic = DeviceStart(models, "cuda:7", "auto")
        automatic.begin().join(timeout=60)
        with pytest.raises((AssertionError, RuntimeError)):
            automatic.plan()


def test_files_read_ahead_are_taken_by_the_loader_and_read_once(monkeypatch, tmp_path):
    """Reading ahead happens on another thread, in order; the loader then takes those tensors (no
    second read), and a damaged file's error is raised where it is loaded, as without."""
    import shutil
    import threading

    import paintsundo.weights.loading as loading
    from paintsundo.errors import PaintsUndoError
    from paintsundo.weights.loading import WeightReads, load_component
    from paintsundo.weights.release import component

    shutil.copytree(TINY, tmp_path / "models")
    folder = tmp_path / "models" / "paints_undo_multi_frame"
    reads = []

    def recorded(path, device):
        reads.append((path.parent.name, threading.current_thread().name))
        return load_file(path, device)

    load_file = loading.load_file
    monkeypatch.setattr(loading, "load_file", recorded)
    files = [folder / name / "model.safetensors" for name in ("image_projection", "vae", "absent")]
    ahead = WeightReads()
    thread = ahead.begin(files, "cpu")
    assert ahead.begin(files, "cpu") is None, "files being read are left out"
    thread.join(timeout=60)
    assert reads == [("image_projection", "paintsundo-read-ahead"), ("vae", "paintsundo-read-ahead")]
    for name in ("image_projection", "vae"):
        spec = component("paints_undo_multi_frame", name)
        taken = load_component(folder / name, spec, reads=ahead).state_dict()
        again = load_component(folder / name, spec, reads=ahead).state_dict()  # nothing held now: read here
        assert all(torch.equal(taken[key], again[key]) for key in again)
    assert [thread for _, thread in reads[2:]] == ["MainThread", "MainThread"], "each taken once"
    assert ahead.held() == 0

    unet = folder / "unet" / "model.safetensors"
    unet.write_bytes(unet.read_bytes()[:1000])
    ahead.begin([unet], "cpu").join(timeout=60)
    with pytest.raises(PaintsUndoError, match="truncated or corrupt"):
        load_component(folder / "unet", component("paints_undo_multi_frame", "unet"), reads=ahead)


def test_weights_read_ahead_belong_to_the_pipeline_and_go_where_its_plan_does_not_keep_them(monkeypatch):
    """What was read ahead is held by the pipeline's start for its loading, never by the process: a
    plan that moves weights drops it at once; one that keeps them takes it (nothing read twice),
    holds the rest until it loads it, and lets all of it go with the pipeline."""
    import gc
    import weakref

    import paintsundo.weights.loading as loading
    from paintsundo.hub import layout
    from paintsundo.undo.pipeline.paints_undo import PaintsUndoPipeline
    from paintsundo.undo.runtime.device_start import DeviceStart
    from paintsundo.undo.runtime.model_sets import weight_files
    from paintsundo.weights.release import MULTI_FRAME, SINGLE_FRAME

    read = []  # a weak reference to a tensor of each file read

    def recorded(path, device):
        tensors = load_file(path, device)
        read.append(weakref.ref(next(iter(tensors.values()))))
        return tensors

    def alive() -> int:
        gc.collect()
        return sum(tensor() is not None for tensor in read)

    load_file = loading.load_file
    monkeypatch.setattr(loading, "load_file", recorded)
    models = layout(TINY, "test")
    single, multi = (
        weight_files(models.single_frame, SINGLE_FRAME),
        weight_files(models.multi_frame, MULTI_FRAME),
    )
    for memory in ("low", "fast"):
        start = DeviceStart(models, "cpu", memory)
        start.reads.begin(single + multi, "cpu").join(timeout=60)
        assert alive() == len(single + multi)
        pipeline = PaintsUndoPipeline(models, "cpu", memory, start=start)
        if memory == "low":
            assert start.reads.held() == 0 and alive() == 0, "moved weights: nothing kept for them"
            read.clear()
    pipeline.single  # noqa: B018 (loads the keyframes' models)
    assert len(read) == len(single + multi) and start.reads.held() == len(multi), "taken, not read again"
    del pipeline, start
    assert alive() == 0, "gone with the pipeline"


@pytest.mark.parametrize(
    ("memory", "free_gib", "read"),
    [("auto", 100.0, True), ("auto", 5.0, False), ("fast", 5.0, True), ("balanced", 100.0, False)],
)
def test_weights_are_read_onto_the_gpu_early_only_where_the_plan_keeps_them_there(
    monkeypatch, memory, free_gib, read
):
    """Both models' files, the keyframes' first, in loading order; only where the memory plan, chosen
    once before anything is read, keeps every model on the GPU: the tiny weights count as 3 GiB
    here, so 5 GiB free is enough for balanced mode only."""
    import paintsundo.undo.runtime.device_start as device_start
    import paintsundo.undo.runtime.placement as placement
    from paintsundo.hub import layout
    from paintsundo.weights.loading import WeightReads

    monkeypatch.setattr(device_start, "start_device", lambda device: True)
    monkeypatch.setattr(placement, "free_gpu_memory", lambda device: free_gib * 2**30)
    monkeypatch.setattr(device_start, "stage_bytes", lambda models, device: [int(1.5 * 2**30)] * 2)
    asked = []
    monkeypatch.setattr(WeightReads, "begin", lambda self, paths, device: asked.append((paths, device)))
    chosen = []
    monkeypatch.setattr(
        device_start, "choose_plan", lambda *args: chosen.append(placement.choose_plan(*args)) or chosen[-1]
    )
    start = device_start.DeviceStart(layout(TINY, "test"), "cuda", memory)
    start.begin().join(timeout=60)
    assert start.plan() is start.plan() is chosen[0] and len(chosen) == 1, "chosen once"
    assert (start.plan()[0].keep == "all") == read
    if not read:
        assert asked == []
        return
    [(paths, device)] = asked
    assert device == torch.device("cuda")
    assert [(path.parent.parent.name, path.parent.name) for path in paths] == [
        ("paints_undo_single_frame", "text_encoder"),
        ("paints_undo_single_frame", "vae"),
        ("paints_undo_single_frame", "unet"),
        ("paints_undo_multi_frame", "text_encoder"),
        ("paints_undo_multi_frame", "image_encoder"),
        ("paints_undo_multi_frame", "image_projection"),
        ("paints_undo_multi_frame", "vae"),
        ("paints_undo_multi_frame", "unet"),
    ]
    assert all(path.is_file() for path in paths)


def test_a_new_shared_pipeline_takes_the_plan_its_start_chose_and_the_old_one_goes(monkeypatch):
    """The plan is chosen once, by the start, and the pipeline takes it; the shared pipeline keeps
    one pipeline for its arguments, and `clear` lets it go."""
    import gc
    import weakref

    import paintsundo.undo.runtime.device_start as device_start
    import paintsundo.undo.runtime.placement as placement
    from paintsundo.hub import layout
    from paintsundo.undo.pipeline.shared import shared_pipeline

    chosen = []
    monkeypatch.setattr(
        device_start, "choose_plan", lambda *args: chosen.append(placement.choose_plan(*args)) or chosen[-1]
    )
    shared_pipeline.clear()
    models = layout(TINY, "test")
    pipeline = shared_pipeline(models, "cpu", "fast", False)
    assert shared_pipeline(models, "cpu", "fast", False) is pipeline and len(chosen) == 1
    assert (pipeline.plan, pipeline.plan_reason) == chosen[0]
    gone = weakref.ref(pipeline)
    del pipeline
    assert shared_pipeline(models, "cpu", "low", False).plan.mode == "low" and len(chosen) == 2
    gc.collect()
    assert gone() is None, "the old pipeline went"
    shared_pipeline.clear()


def test_the_early_start_imports_neither_diffusers_nor_transformers():
    """It must begin before they import, so the release's description and the memory plan it uses
    (file names, dtypes, header sizes) must not import them either, nor the shared pipeline's
    holder, which begins it before the pipeline's modules import."""
    import subprocess
    import sys

    code = (
        "import sys, paintsundo.undo.pipeline.shared, paintsundo.weights.release;"
        "print(sorted(m for m in ('diffusers', 'transformers') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
