"""The neural flow's rules, checked without models: keyframe order, buckets, segments, reversal."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from paintsundo.errors import PaintsUndoError
from paintsundo.timeline import Keyframe
from paintsundo.undo.pipeline import keyframes as keyframe_stage
from paintsundo.undo.pipeline import video as video_stage
from paintsundo.undo.pipeline.images import nearest_bucket, resize_and_center_crop
from paintsundo.undo.pipeline.paints_undo import place_user_keyframes, segment_timeline
from paintsundo.undo.pipeline.settings import VIDEO_BUCKETS, KeyframeSettings, VideoSettings
from paintsundo.undo.runtime.placement import FAST


@pytest.mark.parametrize(
    ("height", "width", "bucket"),
    [
        (640, 512, (448, 384)),
        (512, 640, (384, 448)),
        (1152, 896, (448, 384)),
        (400, 400, (448, 384)),
        (320, 512, (320, 512)),
        (1000, 100, (512, 320)),
    ],
)
def test_the_nearest_bucket_wins_and_ties_go_to_the_later_one(height, width, bucket):
    assert nearest_bucket(height, width, VIDEO_BUCKETS) == bucket


def test_resize_and_center_crop_covers_then_crops():
    picture = np.zeros((100, 300, 3), np.uint8)
    picture[:, 100:200] = 255
    cropped = resize_and_center_crop(picture, 50, 50)
    assert cropped.shape == (50, 50, 3) and cropped.mean() > 250


def fake_generate(calls):
    def generate(models, placement, picture, prompt, settings, progress):
        calls.append(settings.operation_steps)
        finished = resize_and_center_crop(picture, settings.width, settings.height)
        return finished, [np.full_like(finished, step % 256) for step in settings.operation_steps]

    return generate


def test_keyframes_are_input_then_steps_then_blank_and_user_ones_take_their_step(monkeypatch):
    calls = []
    monkeypatch.setattr(keyframe_stage, "generate_keyframes", fake_generate(calls))
    settings = KeyframeSettings(width=64, height=80)
    picture = np.random.default_rng(0).integers(0, 255, (160, 128, 3), dtype=np.uint8)
    placement = SimpleNamespace(plan=FAST)
    plain = keyframe_stage.keyframe_sequence(None, placement, picture, "tags", settings)
    assert [k.step for k in plain] == [0, 400, 600, 800, 900, 950, 999, 1000]
    assert [k.source for k in plain] == ["input"] + ["generated"] * 6 + ["blank"]
    assert (plain[-1].picture == 255).all() and plain[0].picture.shape == (80, 64, 3)
    mine = [
        Keyframe(600, np.zeros((80, 64, 3), np.uint8), "user"),
        Keyframe(700, np.zeros((80, 64, 3), np.uint8), "user"),
    ]
    mixed = keyframe_stage.keyframe_sequence(None, placement, picture, "tags", settings, mine)
    assert [k.step for k in mixed] == [0, 400, 600, 700, 800, 900, 950, 999, 1000]
    assert [k.source for k in mixed if k.step in (600, 700)] == ["user", "user"]
    assert calls[-1] == (400, 800, 900, 950, 999), "no keyframe is generated where the user gave one"


def test_video_drops_each_segments_last_frame_joins_and_reverses(monkeypatch):
    seeds, batches = [], []

    def segments(models, placement, groups, settings, progress):
        batches.extend(len(group.indices) for group in groups)
        batch_seeds = [settings.seed + index for group in groups for index in group.indices]
        seeds.extend(batch_seeds)
        return [
            np.stack([np.full((4, 4, 3), (seed - 123) * 16 + t, np.uint8) for t in range(16)])
            for seed in batch_seeds
        ]

    monkeypatch.setattr(video_stage, "interpolate_groups", segments)
    keyframes = [np.zeros((8, 8, 3), np.uint8)] * 8
    placement = SimpleNamespace(plan=FAST)
    batched = video_stage.video_frames(None, placement, keyframes, VideoSettings(seed=123, segment_batch=3))
    assert batches == [3, 3, 1]
    seeds.clear()
    frames = video_stage.video_frames(None, placement, keyframes, VideoSettings(seed=123, segment_batch=1))
    assert [int(f[0, 0, 0]) for f in frames] == [int(f[0, 0, 0]) for f in batched], (
        "batching changes no order"
    )
    assert len(frames) == 7 * 15 == 105
    assert seeds == [123 + i for i in range(7)]
    values = [int(f[0, 0, 0]) for f in frames]
    # Last segment first (its frame 14 down to 0), ..., the first segment's frame 0 at the end.
    assert values[:3] == [6 * 16 + 14, 6 * 16 + 13, 6 * 16 + 12]
    assert values[-1] == 0 and 15 not in values, "each segment's last frame is dropped"


def test_the_memory_plan_sets_the_segment_batch_unless_the_settings_do(monkeypatch):
    from paintsundo.undo.runtime.placement import BALANCED, LOW

    batches = []

    def segments(models, placement, groups, settings, progress):
        batches.append([len(group.indices) for group in groups])
        return [np.zeros((16, 4, 4, 3), np.uint8) for group in groups for _ in group.indices]

    monkeypatch.setattr(video_stage, "interpolate_groups", segments)
    keyframes = [np.zeros((8, 8, 3), np.uint8)] * 8
    for plan in (FAST, BALANCED, LOW):
        video_stage.video_frames(None, SimpleNamespace(plan=plan), keyframes, VideoSettings())
    video_stage.video_frames(None, SimpleNamespace(plan=FAST), keyframes, VideoSettings(segment_batch=3))
    assert batches == [[2, 2, 2, 1], [2, 2, 2, 1], [1] * 7, [3, 3, 1]]


def test_timeline_names_segments_and_places_keyframes():
    keys = [Keyframe(step, None, "generated") for step in (0, 400, 999, 1000)]
    stages, events = segment_timeline(keys, 16)
    assert [(s.start, s.end) for s in stages] == [(0, 15), (15, 30), (30, 45)]
    assert stages[0].name == "segment 1: step 1000 to 999"
    assert [(e.start, e.detail["operation_step"]) for e in events] == [
        (0, 1000),
        (15, 999),
        (30, 400),
        (44, 0),
    ]


def test_user_keyframes_with_and_without_steps():
    picture = np.zeros((90, 70, 3), np.uint8)
    settings = KeyframeSettings()
    same, placed = place_user_keyframes(settings, [(picture, 500), (picture, 300)])
    assert same == settings and [k.step for k in placed] == [500, 300]
    assert placed[0].picture.shape == (640, 512, 3)
    replaced, placed = place_user_keyframes(settings, [(picture, None), (picture, None), (picture, None)])
    assert [k.step for k in placed] == [250, 500, 750]
    assert replaced.operation_steps == (250, 500, 750), "nothing left to generate"
    with pytest.raises(PaintsUndoError, match="mixing"):
        place_user_keyframes(settings, [(picture, 300), (picture, None)])
    with pytest.raises(PaintsUndoError, match="distinct"):
        place_user_keyframes(settings, [(picture, 300), (picture, 300)])
