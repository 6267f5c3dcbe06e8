"""Settings of the neural engine's stages; the defaults are the reference app's. Imports no torch."""

from __future__ import annotations

from dataclasses import dataclass, replace

NEGATIVE_PROMPT = "lowres, bad anatomy, bad hands, cropped, worst quality"
# The reference app deliberately does not reuse the tagger's prompt for the video model.
VIDEO_PROMPT = "1girl, masterpiece, best quality"
BLANK_STEP = 1000  # the white canvas; operation step 0 is the finished picture
# The video model's (height, width) buckets, as the reference lists them.
VIDEO_BUCKETS = ((320, 512), (384, 448), (448, 384), (512, 320))


# (keyframe steps, video steps). "quick" trades quality for speed: see benchmarks/neural.py --preset.
PRESET_STEPS = {"reference": (50, 50), "quick": (10, 4)}


@dataclass(frozen=True)
class KeyframeSettings:
    width: int = 512
    height: int = 640
    operation_steps: tuple[int, ...] = (400, 600, 800, 900, 950, 999)
    steps: int = 50
    cfg: float = 3.0
    seed: int = 12345
    negative_prompt: str = NEGATIVE_PROMPT
    # One UNet batch for both CFG passes, where the reference makes two calls: faster, and equal up to
    # the last bits of the dtype. The conformance checks switch it off.
    batched_cfg: bool = True


@dataclass(frozen=True)
class VideoSettings:
    prompt: str = VIDEO_PROMPT
    steps: int = 50
    cfg: float = 7.5
    fs: int = 3
    seed: int = 123  # segment i uses seed + i
    buckets: tuple[tuple[int, int], ...] = VIDEO_BUCKETS  # (height, width)
    frames_per_segment: int = 16
    batched_cfg: bool = True
    segment_batch: int | None = None  # segments sampled together (None: the memory plan's)


@dataclass(frozen=True)
class MemoryPlan:
    """How a run trades GPU memory for speed."""

    mode: str
    keep: str  # on the GPU: "all" models, the running "stage"'s, or only the "module" at work
    decode_chunk: int | None  # video frames decoded at a time (None: a whole segment batch)
    keyframe_decode_batch: int | None = None  # keyframes decoded at a time (None: all together)
    segment_batch: int = 1  # video segments sampled together, unless the settings say
    tune_convolutions: bool = True  # cuDNN times its algorithms for each new convolution shape

    def segments_per_batch(self, video: VideoSettings) -> int:
        return video.segment_batch or self.segment_batch


# Keyframes decoded one at a time take a sixth of the memory, so that fast mode fits in 10 GiB; in bf16
# the pictures differ from a batched decode by rounding (2e-2 relative: convolution algorithms change
# with the batch size). Balanced mode has the room to decode them together, as the reference does.
# Two segments a sample batch fill the GPU better (1.09x on an H100) for 1.35 GiB of activations;
# low mode, for 8 GB cards, samples one at a time.
FAST = MemoryPlan("fast", keep="all", decode_chunk=2, keyframe_decode_batch=1, segment_batch=2)
BALANCED = replace(FAST, mode="balanced", keep="stage", keyframe_decode_batch=None)
LOW = replace(FAST, mode="low", keep="module", segment_batch=1)
MEMORY_PLANS = {plan.mode: plan for plan in (FAST, BALANCED, LOW)}
MEMORY_MODES = ("auto", *MEMORY_PLANS)
