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

    import paintsundo.pipeline.paints_undo as module
    from paintsundo.errors import PaintsUndoError
    from paintsundo.hub import layout
    from paintsundo.pipeline.settings import KeyframeSettings, VideoSettings

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

    from paintsundo.pipeline.device_start import start_device

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
