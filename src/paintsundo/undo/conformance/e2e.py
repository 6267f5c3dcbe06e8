"""`e2e MODELS_DIR CASE_DIR OUT_DIR`: the reference app's whole flow, float32 on the CPU."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file

from paintsundo.hub import layout
from paintsundo.undo.pipeline.paints_undo import PaintsUndoPipeline
from paintsundo.undo.pipeline.settings import KeyframeSettings, VideoSettings

PIXEL_TOLERANCE = 2  # levels of 0..255


@dataclass(frozen=True)
class E2EResult:
    prompt_matches: bool | None  # None where the case holds no expected value
    keyframe_error: int | None  # largest absolute difference in levels
    video_error: int | None

    @property
    def passed(self) -> bool:
        errors = [e for e in (self.keyframe_error, self.video_error) if e is not None]
        return self.prompt_matches is not False and all(e <= PIXEL_TOLERANCE for e in errors)


def case_settings(case: dict) -> tuple[KeyframeSettings, VideoSettings]:
    keyframes = KeyframeSettings(
        width=case["keyframe_width"],
        height=case["keyframe_height"],
        operation_steps=tuple(case["operation_steps"]),
        steps=case["keyframe_sampling_steps"],
        cfg=case["keyframe_cfg"],
        seed=case["keyframe_seed"],
        negative_prompt=case["negative_prompt"],
        batched_cfg=False,  # two passes, as the reference app
    )
    video = VideoSettings(
        prompt=case["video_prompt"],
        steps=case["video_sampling_steps"],
        cfg=case["video_cfg"],
        fs=case["fs"],
        seed=case["video_seed_base"],
        buckets=tuple(tuple(b) for b in case["buckets_hw"]),
        frames_per_segment=case.get("frames_per_segment", 16),
        batched_cfg=False,
    )
    return keyframes, video


def run_e2e(models_dir: Path, case_dir: Path, out_dir: Path) -> E2EResult:
    case = json.loads((case_dir / "e2e.json").read_text())
    io = load_file(case_dir / "e2e.io.safetensors")
    picture = io["input"].numpy()
    keyframe_settings, video_settings = case_settings(case)
    pipeline = PaintsUndoPipeline(layout(models_dir, "MODELS_DIR"), "cpu")  # float32 on the CPU
    prompt = pipeline.tagger_prompt(picture)
    keyframes = pipeline.keyframes(picture, keyframe_settings, prompt)
    frames = pipeline.video(keyframes, video_settings).frames
    pictures = [keyframe.picture for keyframe in keyframes]
    out_dir.mkdir(parents=True, exist_ok=True)
    outputs = {
        "keyframes": torch.from_numpy(np.stack(pictures)),
        "video": torch.from_numpy(np.ascontiguousarray(np.stack(frames))),
    }
    save_file(outputs, out_dir / "e2e.out.safetensors")
    (out_dir / "e2e.out.json").write_text(json.dumps({"prompt": prompt}, indent=2) + "\n")
    expected = dict(io)
    if (case_dir / "e2e.expected.safetensors").is_file():
        expected.update(load_file(case_dir / "e2e.expected.safetensors"))
    return E2EResult(
        prompt_matches=prompt == case["prompt"] if "prompt" in case else None,
        keyframe_error=_max_difference(outputs["keyframes"], expected.get("keyframes")),
        video_error=_max_difference(outputs["video"], expected.get("video")),
    )


def _max_difference(ours: torch.Tensor, reference: torch.Tensor | None) -> int | None:
    if reference is None:
        return None
    if ours.shape != reference.shape:
        return 255
    return int((ours.int() - reference.int()).abs().max())
