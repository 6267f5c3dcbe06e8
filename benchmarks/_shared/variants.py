"""The neural job's variants, as benchmarks/neural.py names them, and one timed run of a variant on
models in memory (see `neural.py`'s docstring for what each name means)."""

from __future__ import annotations

import dataclasses
import time

import numpy as np
import torch

from _shared.released_random import peak_gib, phase_seconds, reset_peak, synchronised_seconds
from paintsundo.undo.pipeline import video as video_stage
from paintsundo.undo.pipeline.keyframes import keyframe_sequence
from paintsundo.undo.pipeline.settings import PRESET_STEPS, KeyframeSettings, VideoSettings
from paintsundo.undo.pipeline.video import video_frames
from paintsundo.undo.runtime.acceleration import (
    choose_attention_kernels,
    compile_blocks,
    compile_image_decoder,
    compile_limits,
)
from paintsundo.undo.runtime.model_sets import modules_of
from paintsundo.undo.runtime.placement import FAST, MEMORY_PLANS, Placement

VIDEO_PHASES = ("encode_conditions", "sample_group", "decode_group")
PLAIN = dataclasses.replace(FAST, mode="plain", decode_chunk=None, tune_convolutions=False)


@dataclasses.dataclass(frozen=True)
class Variant:
    name: str
    plan: object
    keys: KeyframeSettings
    video: VideoSettings
    compiled: bool


def parse_variant(name: str, keys: KeyframeSettings, video: VideoSettings) -> Variant:
    base, *extras = name.split("+")
    plan = PLAIN if base == "plain" else MEMORY_PLANS["fast" if base == "quick" else base]
    batched = base != "plain"
    keys = dataclasses.replace(keys, batched_cfg=batched)
    together = [int(extra.removeprefix("segments") or 7) for extra in extras if extra.startswith("segments")]
    # Without "+segmentsN", the memory plan's segment batch (plain: one at a time).
    segment_batch = together[0] if together else (1 if base == "plain" else None)
    video = dataclasses.replace(video, batched_cfg=batched, segment_batch=segment_batch)
    chosen = [extra.removeprefix("steps").split("/") for extra in extras if extra.startswith("steps")]
    if base == "quick" or chosen:
        key_steps, video_steps = map(int, chosen[0]) if chosen else PRESET_STEPS["quick"]
        keys, video = (
            dataclasses.replace(keys, steps=key_steps),
            dataclasses.replace(video, steps=video_steps),
        )
    return Variant(name, plan, keys, video, "compile" in extras)


def run_job(models, picture: np.ndarray, variant: Variant, device: torch.device) -> dict:
    single, multi = models
    for unet in (single.unet, multi.unet):
        if variant.plan is PLAIN:
            unet.enable_attention_kernels(None)  # PyTorch's own order
        else:
            choose_attention_kernels(unet)
    placement = Placement(device, variant.plan, [modules_of(single), modules_of(multi)])
    if device.type == "cuda":
        torch.cuda.empty_cache()
    reset_peak()
    with compile_limits():
        seconds, made = synchronised_seconds(
            lambda: keyframe_sequence(single, placement, picture, "1girl", variant.keys)
        )
        keyframes_peak = peak_gib()
        reset_peak()
        pictures = [k.picture for k in made]
        with phase_seconds(video_stage, VIDEO_PHASES) as phases:
            video_seconds, frames = synchronised_seconds(
                lambda: video_frames(multi, placement, pictures, variant.video)
            )
    return {
        "keyframes_s": seconds,
        "video_s": video_seconds,
        **phases,
        "keyframes_peak": keyframes_peak,
        "video_peak": max(peak_gib(), *(phase_peaks(phases))),
        "frames": np.stack(frames),
    }


def phase_peaks(phases: dict) -> list[float]:
    return [phases[f"{name} peak"] for name in VIDEO_PHASES]


def compile_models(models, picture: np.ndarray, variant: Variant, device: torch.device) -> float:
    """Compile what `--compile` compiles, and warm it up on a 2-step job of the variant's shapes, so
    that no compiling is timed; the seconds this took."""
    started = time.perf_counter()
    single, multi = models
    for model in (single.unet, multi.unet, multi.vae.decoder):
        compile_blocks(model)
    compile_image_decoder(single.vae.decoder)
    warm = dataclasses.replace(
        variant,
        keys=dataclasses.replace(variant.keys, steps=2),
        video=dataclasses.replace(variant.video, steps=2),
    )
    run_job(models, picture, warm, device)
    return time.perf_counter() - started
