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


def test_starting_a_gpu_ahead_is_once_per_device_and_quiet_when_it_fails(monkeypatch):
    """The GPU's start overlaps the imports on a thread of its own, begun once per device; where
    it fails (here: no CUDA) nothing is printed or raised, since the run's own use reports it."""
    import threading

    from paintsundo.undo.runtime.device_start import start_device

    failures = []
    monkeypatch.setattr(threading, "excepthook", failures.append)
    assert start_device("cpu") is None
    thread = start_device("cuda:7")
    assert thread is not None and thread.name == "paintsundo-device-start"
    thread.join(timeout=60)
    assert not thread.is_alive() and failures == []
    assert start_device("cuda:7") is None, "begun once per device"
    if not torch.cuda.is_available():
        with pytest.raises((AssertionError, RuntimeError)):
            torch.ones(1, device="cuda:7")


def test_files_read_ahead_are_taken_by_the_loader_and_read_once(monkeypatch, tmp_path):
    """Reading ahead happens on another thread, in order; the loader then takes those tensors (no
    second read), and a damaged file's error is raised where it is loaded, as without."""
    import shutil
    import threading

    import paintsundo.weights.loading as loading
    from paintsundo.errors import PaintsUndoError
    from paintsundo.weights.loading import load_component
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
    thread = loading.read_ahead(files, "cpu")
    assert loading.read_ahead(files, "cpu") is None, "files being read are left out"
    thread.join(timeout=60)
    assert reads == [("image_projection", "paintsundo-read-ahead"), ("vae", "paintsundo-read-ahead")]
    for name in ("image_projection", "vae"):
        spec = component("paints_undo_multi_frame", name)
        ahead = load_component(folder / name, spec).state_dict()
        again = load_component(folder / name, spec).state_dict()  # nothing read ahead now: read here
        assert all(torch.equal(ahead[key], again[key]) for key in again)
    assert [thread for _, thread in reads[2:]] == ["MainThread", "MainThread"], "each taken once"

    unet = folder / "unet" / "model.safetensors"
    unet.write_bytes(unet.read_bytes()[:1000])
    loading.read_ahead([unet], "cpu").join(timeout=60)
    with pytest.raises(PaintsUndoError, match="truncated or corrupt"):
        load_component(folder / "unet", component("paints_undo_multi_frame", "unet"))


@pytest.mark.parametrize(
    ("memory", "free_gib", "read"),
    [("auto", 100.0, True), ("auto", 8.0, False), ("fast", 8.0, True), ("balanced", 100.0, False)],
)
def test_weights_are_read_onto_the_gpu_early_only_where_the_plan_keeps_them_there(
    monkeypatch, memory, free_gib, read
):
    """Both models' files, the keyframes' first, in loading order; only where the memory plan keeps
    every model on the GPU even with them all read there already (so "auto" still chooses it):
    the tiny weights count as 3 GiB here, so 8 GiB free is enough for "fast" but not twice over."""
    import paintsundo.undo.runtime.device_start as device_start
    import paintsundo.undo.runtime.placement as placement
    from paintsundo.hub import layout

    monkeypatch.setattr(placement, "free_gpu_memory", lambda device: free_gib * 2**30)
    monkeypatch.setattr(device_start, "stage_bytes", lambda models, device: [int(1.5 * 2**30)] * 2)
    assert placement.choose_plan(memory, torch.device("cuda"), [int(1.5 * 2**30)] * 2)[0].keep == (
        "all" if memory in ("auto", "fast") else "stage"
    )
    asked = []
    monkeypatch.setattr(device_start, "read_ahead", lambda paths, device: asked.append((paths, device)))
    device_start._read_weights(layout(TINY, "test"), torch.device("cuda"), memory)
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


def test_the_early_start_imports_neither_diffusers_nor_transformers():
    """It must begin before they import, so the release's description and the memory plan it uses
    (file names, dtypes, header sizes) must not import them either."""
    import subprocess
    import sys

    code = (
        "import sys, paintsundo.undo.runtime.device_start, paintsundo.weights.release;"
        "print(sorted(m for m in ('diffusers', 'transformers') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
