"""The video stage's batched speed options against the plain path, on the tiny release checkpoints
on the CPU (tests/unit/test_neural_stages.py checks the stage's rules without models)."""

from __future__ import annotations

import dataclasses

import numpy as np
import torch

from conftest import TINY_RELEASE
from paintsundo.undo.pipeline import video as video_stage
from paintsundo.undo.pipeline.settings import VideoSettings
from paintsundo.undo.runtime.model_sets import load_multi_frame, modules_of
from paintsundo.undo.runtime.placement import Placement


def test_batched_cfg_and_segment_batches_match_the_plain_path():
    """The speed options on tiny release checkpoints: same frames within a level or two."""
    models = load_multi_frame(TINY_RELEASE / "paints_undo_multi_frame", torch.device("cpu"))
    placement = Placement(torch.device("cpu"), stages=[modules_of(models)])
    rng = np.random.default_rng(0)
    keyframes = [rng.integers(0, 255, (64, 48, 3), dtype=np.uint8) for _ in range(4)]
    plain = VideoSettings(steps=2, buckets=((64, 48),), batched_cfg=False, segment_batch=1)
    reference = np.stack(video_stage.video_frames(models, placement, keyframes, plain))
    for option in ({"batched_cfg": True}, {"segment_batch": 3}, {"batched_cfg": True, "segment_batch": 2}):
        faster_settings = dataclasses.replace(plain, **option)
        faster = np.stack(video_stage.video_frames(models, placement, keyframes, faster_settings))
        assert faster.shape == reference.shape == (3 * 15, 64, 48, 3)
        assert np.abs(faster.astype(int) - reference).max() <= 2, option
