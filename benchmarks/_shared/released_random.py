"""The released models with random weights, in memory or written in the released layout; timing;
the machine's rate. Speed does not depend on weight values."""

from __future__ import annotations

import contextlib
import json
import shutil
import statistics
import time
from pathlib import Path

import torch
from safetensors.torch import save_file
from torch import nn

from _shared import ROOT
from paintsundo.hub import TAGGER_FILES, layout
from paintsundo.undo.pipeline.settings import KeyframeSettings, VideoSettings
from paintsundo.undo.runtime.model_sets import MultiFrameModels, SingleFrameModels
from paintsundo.weights.release import (
    COMPONENTS,
    MODEL_SETS,
    MULTI_FRAME,
    SINGLE_FRAME,
    TOKENIZER,
    component,
    component_names,
)

TOKENIZERS = ROOT / "tests" / "data" / "tiny-release"  # ids below every vocabulary size; only shapes matter


def random_component(repo: str, name: str, device: torch.device, dtype: torch.dtype) -> nn.Module:
    spec = component(repo, name)
    with torch.device("meta"):
        model = spec.build(spec.released_config)
    model = model.to_empty(device=device)
    generator = torch.Generator(device).manual_seed(0)
    with torch.no_grad():
        for parameter in model.parameters():
            if parameter.ndim >= 2:
                parameter.normal_(0.0, 0.5 / parameter[0].numel() ** 0.5, generator=generator)
            else:
                parameter.zero_()
        for module in model.modules():
            if isinstance(module, (nn.GroupNorm, nn.LayerNorm)) and module.weight is not None:
                module.weight.fill_(1.0)
            if "position_ids" in dict(module.named_buffers(recurse=False)):
                module.position_ids.copy_(torch.arange(module.position_ids.shape[-1], device=device))
    dtype = spec.reference_dtype if dtype is None else dtype
    return model.to(dtype).eval().requires_grad_(False)


def random_models(
    device: torch.device, dtype: torch.dtype | None
) -> tuple[SingleFrameModels, MultiFrameModels]:
    single = SingleFrameModels(**_random_set(SINGLE_FRAME, device, dtype))
    multi = MultiFrameModels(**_random_set(MULTI_FRAME, device, dtype))
    return single, multi


def _random_set(repo: str, device: torch.device, dtype: torch.dtype | None) -> dict[str, object]:
    """A model set's tokenizer and its components with random weights, as the release lists them."""
    from transformers import CLIPTokenizer

    tokenizer = CLIPTokenizer.from_pretrained(str(TOKENIZERS / repo / TOKENIZER))
    return {
        TOKENIZER: tokenizer,
        **{name: random_component(repo, name, device, dtype) for name in component_names(repo)},
    }


def write_weights(root: Path) -> Path:
    """Both released models, random, in the released layout (as `paintsundo download --to` writes),
    with the tiny tokenizers and empty tagger files, never read since the prompt is given. Once:
    a folder written whole is kept."""
    if (root / "complete").is_file():
        return root
    paths = layout(root, "benchmark")
    for repo in MODEL_SETS:
        shutil.copytree(TOKENIZERS / repo / TOKENIZER, root / repo / TOKENIZER, dirs_exist_ok=True)
    for spec in COMPONENTS:
        model = random_component(spec.repo, spec.name, torch.device("cuda"), None)
        folder = root / spec.repo / spec.name
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "config.json").write_text(json.dumps(spec.released_config))
        state = {key: value.contiguous() for key, value in model.state_dict().items()}
        save_file(state, str(folder / spec.weights))
        del model, state
    paths.tagger.mkdir(exist_ok=True)
    for name in TAGGER_FILES:
        (paths.tagger / name).write_bytes(b"")
    (root / "complete").write_text("")
    torch.cuda.empty_cache()
    return root


def synchronise() -> None:
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def synchronised_seconds(action) -> tuple[float, object]:
    synchronise()
    started = time.perf_counter()
    result = action()
    synchronise()
    return time.perf_counter() - started, result


def median_seconds(action, repeats: int) -> tuple[float, object]:
    """The median of `repeats` synchronised timings of `action`, and the last call's result."""
    timings = [synchronised_seconds(action) for _ in range(repeats)]
    return statistics.median(seconds for seconds, _ in timings), timings[-1][1]


@contextlib.contextmanager
def wrapped(targets: list[tuple[object, str]], wrap):
    """Within: each attribute `name` of `owner` in targets is wrap(name, original); afterwards the
    original again (an instance's method by dropping the override from the instance)."""
    saved = [(owner, name, vars(owner).get(name)) for owner, name in targets]
    try:
        for owner, name in targets:
            setattr(owner, name, wrap(name, getattr(owner, name)))
        yield
    finally:
        for owner, name, original in reversed(saved):
            if original is None:
                vars(owner).pop(name, None)
            else:
                setattr(owner, name, original)


@contextlib.contextmanager
def phase_seconds(module, names: tuple[str, ...]):
    """Within: the module's functions `names` add their synchronised seconds to the yielded dict, and
    their peak GPU memory (GiB) under "NAME peak", and of memory the allocator reserved (captured
    CUDA graphs hold theirs apart) under "NAME reserved"; the peak counters restart at each call."""
    seconds = dict.fromkeys(names, 0.0)
    seconds |= {f"{name} {peak}": 0.0 for name in names for peak in ("peak", "reserved")}

    def timed(name, function):
        def call(*args, **kwargs):
            reset_peak()
            spent, result = synchronised_seconds(lambda: function(*args, **kwargs))
            seconds[name] += spent
            seconds[f"{name} peak"] = max(seconds[f"{name} peak"], peak_gib())
            seconds[f"{name} reserved"] = max(seconds[f"{name} reserved"], peak_gib(reserved=True))
            return result

        return call

    with wrapped([(module, name) for name in names], timed):
        yield seconds


def peak_gib(reserved: bool = False) -> float:
    if not torch.cuda.is_available():
        return 0.0
    return (torch.cuda.max_memory_reserved() if reserved else torch.cuda.max_memory_allocated()) / 2**30


def reset_peak() -> None:
    if torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()


def matmul_rate(device: torch.device) -> float:
    """Dense fp16 matmul TFLOP/s on this GPU, now."""
    a = torch.randn(8192, 8192, device=device, dtype=torch.float16)
    b = torch.randn(8192, 8192, device=device, dtype=torch.float16)
    for _ in range(3):
        a @ b
    seconds, _ = synchronised_seconds(lambda: [a @ b for _ in range(10)])
    return 10 * 2 * 8192**3 / seconds / 1e12


def unet_flops(
    models: tuple[SingleFrameModels, MultiFrameModels],
    keys: KeyframeSettings,
    video: VideoSettings,
    bucket: tuple[int, int],
    segments: int = 7,
) -> dict:
    """FLOPs of one UNet call of each stage at its batch (both CFG passes), counted by PyTorch."""
    from torch.utils.flop_counter import FlopCounterMode

    single, multi = models
    device, dtype = next(single.unet.parameters()).device, next(single.unet.parameters()).dtype
    batch = len(keys.operation_steps)
    height, width = keys.height // 8, keys.width // 8
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        single.unet.undo(
            torch.randn(batch, 4, height, width, device=device, dtype=dtype),
            torch.full((batch,), 500, device=device),
            torch.randn(batch, 77, 768, device=device, dtype=dtype),
            torch.randn(1, 4, height, width, device=device, dtype=dtype),
            torch.full((batch,), 500, device=device),
        )
    keyframe_call = 2 * counter.get_total_flops()
    bucket_h, bucket_w = bucket
    frames = video.frames_per_segment
    dtype = next(multi.unet.parameters()).dtype
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        latent = torch.randn(1, 4, frames, bucket_h // 8, bucket_w // 8, device=device, dtype=dtype)
        multi.unet(
            latent,
            torch.tensor([500], device=device),
            torch.randn(1, 77, 1024, device=device, dtype=dtype),
            torch.randn(1, frames, 16, 1024, device=device, dtype=dtype),
            latent,
            torch.tensor([3], device=device),
        )
    return {
        "keyframes": keyframe_call * keys.steps,
        "video": 2 * counter.get_total_flops() * video.steps * segments,
    }
