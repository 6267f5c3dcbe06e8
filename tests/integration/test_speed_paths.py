"""The speed and memory paths against the plain ones, on tiny models on the CPU."""

from __future__ import annotations

import os

import pytest
import torch

from conftest import TINY_RELEASE as TINY
from conftest import channels_last, relative_error, tiny_video


def linear_stages() -> list[list[torch.nn.Module]]:
    return [[torch.nn.Linear(2, 2), torch.nn.Linear(2, 2)], [torch.nn.Linear(2, 2), torch.nn.Linear(2, 2)]]


def test_memory_plans_keep_what_they_promise():
    from paintsundo.undo.runtime.placement import BALANCED, FAST, LOW, Placement

    (a, b), (c, d) = stages = linear_stages()
    fast = Placement(torch.device("cpu"), FAST, stages)
    fast.use(c)
    assert fast.resident() == [a, b, c, d]
    balanced = Placement(torch.device("cpu"), BALANCED, stages)
    balanced.use(c)
    assert balanced.resident() == [c, d], "the whole stage, nothing of the other"
    balanced.use(a)
    assert balanced.resident() == [a, b]
    low = Placement(torch.device("cpu"), LOW, stages)
    low.use(c, prefetch=[a])
    assert low.resident() == [a, c], "the module at work and the next one, copied ahead"
    low.use(d)
    assert low.resident() == [d]


def test_offloaded_weights_keep_their_channels_last_layout():
    """Compiled UNets' code expects channels-last convolution weights: packing them into the host
    buffer of an offloading plan, and taking them off and back, must keep those strides."""
    from paintsundo.undo.runtime.acceleration import use_channels_last
    from paintsundo.undo.runtime.placement import LOW, Placement

    modules = [torch.nn.Conv2d(4, 8, 3), torch.nn.Conv3d(8, 8, (3, 1, 1)), torch.nn.Linear(2, 2)]
    parameters = [module.weight for module in modules]
    for module in modules:
        use_channels_last(module)
    assert all(module.weight is p for module, p in zip(modules, parameters, strict=True)), "laid out in place"
    expected = [module.weight.detach().clone() for module in modules]
    placement = Placement(torch.device("cpu"), LOW, [modules])
    placement.use(modules[0])
    placement.use(modules[2])  # evicts the others back to their host views
    assert channels_last(modules[0].weight) and channels_last(modules[1].weight)
    assert not modules[0].weight.is_contiguous()
    for module, weight in zip(modules, expected, strict=True):
        assert torch.equal(module.weight, weight)


def test_attention_along_time_packs_positions_without_mixing_them():
    """Several positions' frames attend as one masked sequence, with the result of per-position
    sequences, whether the positions divide into packs or not."""
    from einops import rearrange

    from paintsundo.models.attention import attention_along_time, multi_head_attention

    torch.manual_seed(0)
    for positions in (8, 6):  # packs of 4, none
        query, key, value = torch.randn(3, 2, positions, 7, 32).unbind(0)  # b p t (h d)
        per_position = [rearrange(t, "b p t c -> (b p) t c") for t in (query, key, value)]
        expected = rearrange(multi_head_attention(*per_position, heads=4), "(b p) t c -> b p t c", b=2)
        assert torch.allclose(attention_along_time(query, key, value, heads=4), expected, atol=1e-6)


def test_temporal_transformer_keeps_its_input_layout():
    """Channels-last frames give the same result as contiguous ones, and come back channels-last."""
    from paintsundo.models.unet3d.transformers import TemporalTransformer

    torch.manual_seed(0)
    for linear in (True, False):
        block = TemporalTransformer(64, heads=2, dim_head=32, depth=1, linear=linear).eval()
        with torch.no_grad():
            for parameter in block.parameters():
                parameter.normal_(0, 0.2)
            frames = torch.randn(2, 64, 5, 3, 4)  # b c t h w
            plain = block(frames)
            strided = block(frames.contiguous(memory_format=torch.channels_last_3d))
        assert plain.is_contiguous() and channels_last(strided)
        assert torch.allclose(strided, plain, atol=1e-5)
        assert relative_error(plain, frames) > 0.1, "the block changed its input"


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_group_norm_gathers_channels_first_with_the_same_result(dtype):
    """Compiled on channels-last input, GroupNorm takes statistics per channel over runs of pixels and
    merges them into the groups': the same map as torch's, in the input's layout, even for
    activations whose mean dwarfs their spread (where a sum of squares would cancel in float32)."""
    import torch.nn.functional as F

    from paintsundo.models.group_norm import GroupNorm

    torch.manual_seed(0)
    norm = GroupNorm(8, 32, eps=1e-6).to(dtype)
    with torch.no_grad():
        norm.weight.normal_()
        norm.bias.normal_()
    compiled = torch.compile(norm, backend="eager", dynamic=False)  # Dynamo traces the compiled path
    cases = (
        ((3, 32, 5, 7), torch.channels_last),
        ((2, 32, 4, 3, 5), torch.channels_last_3d),  # b c t h w: groups span the frames
        ((2, 32, 24, 40), torch.channels_last),  # several runs of pixels per channel
        ((2, 32, 6, 6), torch.contiguous_format),  # torch's own path
    )
    for shape, layout in cases:
        x = (torch.randn(shape, dtype=torch.float64) * 0.1 + 50).to(dtype).contiguous(memory_format=layout)
        expected = F.group_norm(x.double(), 8, norm.weight.double(), norm.bias.double(), 1e-6)
        with torch.no_grad():
            ours = compiled(x)
        assert ours.dtype == dtype and ours.is_contiguous(memory_format=layout)
        # float64's own rounding of a mean of 50 against a spread of 0.1 is about 1e-11; float32's 1e-5
        # (torch's float32 GroupNorm on the CPU is 1e-2 to 5e-2 from float64 here).
        assert relative_error(ours.double(), expected) < (1e-9 if dtype == torch.float64 else 1e-4)


def test_programs_ask_for_expandable_segments_unless_the_user_set_the_allocator():
    from paintsundo.undo.pipeline.settings import allocator_environment

    assert allocator_environment({"HOME": "/home/x"}) == {
        "PYTORCH_CUDA_ALLOC_CONF": "expandable_segments:True"
    }
    assert allocator_environment({"PYTORCH_CUDA_ALLOC_CONF": "max_split_size_mb:128"}) == {}, (
        "the user's wins"
    )
    assert allocator_environment({"PYTORCH_ALLOC_CONF": ""}) == {}


def test_the_command_sets_the_allocator_before_cuda_and_the_library_does_not(tmp_path):
    """The library leaves the process's environment alone; the program sets it, and its workers
    inherit it."""
    import subprocess
    import sys

    script = (
        "import os, sys\n"
        "from paintsundo.undo.pipeline.paints_undo import PaintsUndoPipeline\n"
        "assert 'PYTORCH_CUDA_ALLOC_CONF' not in os.environ\n"
        "sys.argv = ['paintsundo', '--version']\n"
        "from paintsundo.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(os.environ['PYTORCH_CUDA_ALLOC_CONF'])\n"
    )
    environment = {
        k: v for k, v in os.environ.items() if k not in ("PYTORCH_CUDA_ALLOC_CONF", "PYTORCH_ALLOC_CONF")
    }
    done = subprocess.run([sys.executable, "-c", script], env=environment, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("expandable_segments:True")


@pytest.mark.parametrize(("free_gib", "mode"), [(40, "fast"), (9, "balanced"), (5, "low")])
def test_auto_picks_the_fastest_plan_that_fits(monkeypatch, free_gib, mode):
    from paintsundo.undo.runtime import placement

    monkeypatch.setattr(placement, "free_gpu_memory", lambda device: free_gib * 2**30)
    sizes = [int(1.9 * 2**30), int(4.8 * 2**30)]  # the released stages' weights in their dtypes
    plan, reason = placement.choose_plan("auto", torch.device("cuda"), sizes)
    assert plan.mode == mode and reason.startswith(f"auto: {free_gib:.1f} GiB free")
    assert placement.choose_plan("low", torch.device("cuda"), sizes)[0].mode == "low"
    assert placement.choose_plan("auto", torch.device("cpu"), sizes)[0].mode == "fast"


def value_reads():
    """A dispatch mode counting the operators that read a tensor's value back into Python: on a GPU
    each one makes the host wait until the GPU has caught up."""
    from torch.utils._python_dispatch import TorchDispatchMode

    aten = torch.ops.aten
    reads = {aten.item.default, aten._local_scalar_dense.default, aten.equal.default, aten.is_nonzero.default}

    class ValueReads(TorchDispatchMode):
        count = 0

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            self.count += func in reads
            return func(*args, **(kwargs or {}))

    return ValueReads()


def test_sampling_reads_no_values_back_step_by_step(tiny_single_frame, tiny_multi_frame):
    """More steps make no more reads: the host can queue the next steps while the GPU works."""
    import numpy as np

    from paintsundo.undo.pipeline.keyframes import generate_keyframes
    from paintsundo.undo.pipeline.settings import KeyframeSettings
    from paintsundo.undo.runtime.model_sets import modules_of
    from paintsundo.undo.runtime.placement import FAST, Placement

    with value_reads() as reads:
        float(torch.ones(1))
    assert reads.count == 1, "the counter misses a read"
    picture = np.random.default_rng(0).integers(0, 255, (80, 64, 3), dtype=np.uint8)
    placement = Placement(torch.device("cpu"), FAST, [modules_of(tiny_single_frame)])
    counts = {}
    for steps in (2, 4):
        with value_reads() as keyframe_reads:
            settings = KeyframeSettings(width=64, height=80, operation_steps=(400, 999), steps=steps)
            generate_keyframes(tiny_single_frame, placement, picture, "1girl", settings)
        with value_reads() as video_reads:
            tiny_video(tiny_multi_frame, FAST, steps=steps)
        counts[steps] = (keyframe_reads.count, video_reads.count)
    assert counts[2] == counts[4]


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float32])
def test_per_item_scaling_rounds_as_python_floats_do(dtype):
    """The video denoiser scales by coefficients it never reads back: the same bits as before."""
    from paintsundo.undo.pipeline.denoisers import scaled_per_item

    torch.manual_seed(0)
    x = torch.randn(3, 4, 5, 6, 7).to(dtype)
    coefficients = torch.rand(3)
    expected = torch.stack(
        [float(coefficient) * item for coefficient, item in zip(coefficients, x, strict=True)]
    )
    scaled = scaled_per_item(coefficients, x)
    assert scaled.dtype == dtype
    assert torch.equal(scaled, expected)


def test_image_tokens_of_all_groups_come_from_one_call_per_bucket(tiny_multi_frame, monkeypatch):
    from paintsundo.undo.pipeline import video

    torch.manual_seed(0)
    ends = [torch.rand(2, 3, 2, 64, 48) * 2 - 1, torch.rand(1, 3, 2, 64, 48) * 2 - 1]
    ends.append(torch.rand(1, 3, 2, 48, 64) * 2 - 1)  # another bucket
    calls = []
    original = video.image_tokens
    monkeypatch.setattr(
        video, "image_tokens", lambda models, frames: calls.append(len(frames)) or original(models, frames)
    )
    with torch.inference_mode():
        tokens = video.guided_image_tokens(tiny_multi_frame, ends)
        expected = [
            (original(tiny_multi_frame, frames), original(tiny_multi_frame, torch.zeros_like(frames)))
            for frames in ends
        ]
    assert calls == [3, 1, 1, 1], "one call per bucket, and one for its blank frames"
    for (positive, blank), (want_positive, want_blank) in zip(tokens, expected, strict=True):
        assert positive.shape == want_positive.shape and blank.shape == want_blank.shape
        assert relative_error(positive, want_positive) < 1e-5
        assert relative_error(blank, want_blank) < 1e-5


def test_every_memory_plan_gives_the_same_video(tiny_multi_frame):
    import numpy as np

    from paintsundo.undo.runtime.placement import MEMORY_PLANS

    videos = {mode: np.stack(tiny_video(tiny_multi_frame, plan)) for mode, plan in MEMORY_PLANS.items()}
    assert videos["fast"].shape == (2 * 15, 64, 48, 3)
    for mode in ("balanced", "low"):
        # Chunked decoding differs from whole decoding by float rounding only.
        assert np.abs(videos[mode].astype(int) - videos["fast"]).max() <= 1, mode


def test_conditionings_share_the_layers_before_cross_attention(tiny_multi_frame):
    """One x with two contexts per row gives what the whole batch gives with x repeated; inputs that
    differ in more than their contexts cannot be paired."""
    from paintsundo.undo.pipeline.denoisers import guided_pair

    unet = tiny_multi_frame.unet
    torch.manual_seed(0)
    x = torch.randn(2, 4, 16, 8, 6)  # b c t h w: two segments
    shared = {"concat_cond": torch.randn_like(x), "fs": torch.tensor([24, 24])}
    dim = unet.params.context_dim
    positive = {"context_text": torch.randn(2, 77, dim), "context_img": torch.randn(2, 16, 16, dim), **shared}
    negative = {"context_text": torch.randn(2, 77, dim), "context_img": torch.zeros(2, 16, 16, dim), **shared}
    steps = torch.tensor([500, 500])
    with torch.no_grad():
        whole = {name: torch.cat([positive[name], negative[name]]) for name in positive}
        expected = unet(torch.cat([x, x]), torch.cat([steps, steps]), **whole)
        paired = unet(x, steps, **guided_pair(positive, negative))
    assert paired.shape == expected.shape == (4, 4, 16, 8, 6)
    assert relative_error(paired, expected) < 1e-5
    assert relative_error(paired[:2], paired[2:]) > 1e-2, "the two conditionings gave one result"
    with pytest.raises(ValueError, match="concat_cond"):
        guided_pair(positive, {**negative, "concat_cond": torch.zeros_like(x)})


def test_cudnn_times_convolutions_while_sampling_as_the_plan_says(tiny_multi_frame, monkeypatch):
    """A plan that tunes convolutions tunes them while sampling only, where the shapes repeat every
    step, not in the encoders and decoders; the default plan does not tune (it costs a fresh process
    more than it saves). The process's setting is back afterwards."""
    import dataclasses

    from paintsundo.undo.pipeline import video
    from paintsundo.undo.runtime.placement import FAST

    seen: dict[str, list[bool]] = {"sample": [], "decode": []}

    def recording(name, original):
        def record(*args, **kwargs):
            seen[name].append(torch.backends.cudnn.benchmark)
            return original(*args, **kwargs)

        return record

    monkeypatch.setattr(video, "sample_ddim_v_dynamic", recording("sample", video.sample_ddim_v_dynamic))
    monkeypatch.setattr(video, "decode_group", recording("decode", video.decode_group))
    before = torch.backends.cudnn.benchmark
    for plan in (dataclasses.replace(FAST, tune_convolutions=True), FAST):
        tiny_video(tiny_multi_frame, plan)
    assert seen["sample"] == [True, False]
    assert seen["decode"] == [before, before]
    assert torch.backends.cudnn.benchmark == before


def test_attention_kernels_are_chosen_per_kind_of_attention(tiny_multi_frame, monkeypatch):
    """Attention over pixels and along time each run under their own SDPA kernel order, and the
    video does not change (on the CPU both orders fall through to the same kernel)."""
    import numpy as np
    from torch.nn.attention import SDPBackend

    from paintsundo.models.unet3d import transformers
    from paintsundo.undo.runtime.acceleration import ATTENTION_KERNELS, choose_attention_kernels
    from paintsundo.undo.runtime.placement import FAST

    unet = tiny_multi_frame.unet
    plain = np.stack(tiny_video(tiny_multi_frame, FAST))
    orders = []

    def recording(attend):
        def record(*args, **kwargs):
            orders.append(tuple(torch._C._get_sdp_priority_order()[:4]))
            return attend(*args, **kwargs)

        return record

    for name in ("multi_head_attention", "attention_along_time"):
        monkeypatch.setattr(transformers, name, recording(getattr(transformers, name)))
    default_order = tuple(torch._C._get_sdp_priority_order()[:4])
    try:
        choose_attention_kernels(unet)
        choose_attention_kernels(unet)  # a second call changes nothing
        chosen = np.stack(tiny_video(tiny_multi_frame, FAST))
    finally:
        unet.enable_attention_kernels(None)  # PyTorch's own order again
    expected = {tuple(b.value for b in (*kernels, SDPBackend.MATH)) for kernels in ATTENTION_KERNELS.values()}
    assert set(orders) == expected
    assert tuple(torch._C._get_sdp_priority_order()[:4]) == default_order, "restored after each block"
    assert not any("forward" in vars(module) for module in unet.modules()), "nothing is patched"
    assert not any(getattr(module, "sdpa_kernels", None) for module in unet.modules()), "and undone"
    assert np.array_equal(chosen, plain)


def test_the_engine_chooses_attention_kernels_for_both_unets():
    from paintsundo.hub import ModelPaths
    from paintsundo.undo.pipeline.paints_undo import PaintsUndoPipeline

    paths = ModelPaths(TINY / "paints_undo_single_frame", TINY / "paints_undo_multi_frame", TINY, "test")
    pipeline = PaintsUndoPipeline(paths, "cpu", memory="fast")
    from paintsundo.models.single_frame import PreferredKernels

    processors = pipeline.single.unet.attn_processors.values()
    assert processors and all(isinstance(p, PreferredKernels) for p in processors)
    chosen = {type(m).__name__ for m in pipeline.multi.unet.modules() if getattr(m, "sdpa_kernels", None)}
    assert chosen == {"SpatialTransformer", "TemporalTransformer"}
    assert not any("forward" in vars(m) for m in pipeline.multi.unet.modules()), "nothing is patched"


def test_presets_set_the_steps_and_explicit_steps_win():
    from paintsundo.cli.options import NeuralOptions
    from paintsundo.errors import PaintsUndoError
    from paintsundo.undo.pipeline.settings import PRESET_STEPS
    from paintsundo.undo.settings import Settings

    quick = NeuralOptions(preset="quick").apply(Settings())
    steps = (quick.keyframe_settings.steps, quick.video_settings.steps)
    assert steps == PRESET_STEPS["quick"] != PRESET_STEPS["reference"]
    mixed = NeuralOptions(preset="quick", video_steps=20, segment_batch=3, compile=True).apply(Settings())
    assert mixed.video_settings.steps == 20 and mixed.video_settings.segment_batch == 3 and mixed.compile
    with pytest.raises(PaintsUndoError, match="unknown preset 'turbo'"):
        NeuralOptions(preset="turbo").apply(Settings())


def test_the_memory_modes_offered_are_the_plans_placement_knows():
    from paintsundo.undo.pipeline.settings import NEURAL_ENGINE_MEMORY_MODES
    from paintsundo.undo.runtime.placement import MEMORY_PLANS

    assert ("auto", *MEMORY_PLANS) == NEURAL_ENGINE_MEMORY_MODES
