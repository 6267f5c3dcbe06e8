"""Where one call of the 3D UNet spends its GPU time, by kernel family, for several ways of running it.

    python benchmarks/unet_profile.py [--variants eager,eager+kernels,compile+cl+kernels] [--batches 2,4]

The UNet is built at its released size with random weights, in the reference dtype, at the default
job's bucket (16 frames of 384x448). Batch 2 is one segment with both CFG passes; batch 4 is two
segments. Per variant: the median milliseconds of a call per segment at each batch and the peak GPU
memory of its activations (above the weights and inputs), then at the first batch the kernel time by
family (convolution, matrix product, attention, normalisation, layout copies, Inductor's fused
kernels by what they fuse, other) and the costliest kernels. Variant extras: "+cl" channels-last
activations and weights; "+kernels" the attention kernels chosen per block; "+compile" regional
torch.compile, "+fullcompile" of the whole forward, "+fullgraphs" that with CUDA graphs, "+graphs"
each call replayed as one CUDA graph (with or without "+compile"), "+unpacked" attention along time one
position at a time, "+autotune" Inductor's timed choice among its own and cuBLAS's matrix-product
kernels (with their neighbouring pointwise work fused in), "+cdtune" Inductor's coordinate-descent
tuning of its own kernels' block sizes, "+cppwrapper" Inductor's C++ wrapper code (which launches each
compiled block's kernels with less host time), "+torchgroupnorm" PyTorch's GroupNorm lowering instead
of ours (models/group_norm.py).
"""

from __future__ import annotations

import argparse
import re
from collections import defaultdict

import torch
import torch._inductor.config
from torch import nn
from torch.profiler import ProfilerActivity, profile

from call_errors import video_unet_inputs
from cuda_graphs import replay_as_graphs, stop_graphs
from paintsundo.models import attention
from paintsundo.models.group_norm import GroupNorm
from paintsundo.pipeline.acceleration import (
    choose_attention_kernels,
    compile_limits,
    compile_unet,
    default_attention_kernels,
    uncompile,
    use_channels_last,
)
from paintsundo.pipeline.denoisers import guided_pair
from paintsundo.pipeline.images import nearest_bucket
from paintsundo.pipeline.settings import KeyframeSettings, VideoSettings
from paintsundo.weights.release import MULTI_FRAME
from released_random import median_gpu_milliseconds, random_component

POSITIONS_PER_SEQUENCE = attention.POSITIONS_PER_SEQUENCE

# Inductor's kernels are named after the operators they fuse, so they are sorted by those names first:
# a fused "convolution" there is the bias add after a cuDNN call, not a convolution.
INDUCTOR_FAMILIES = (
    ("inductor: normalisation", r"norm|var_mean|rsqrt"),
    ("inductor: gelu", r"gelu"),
    ("inductor: concatenation", r"cat"),
    ("inductor: layout copy", r"clone|copy|permute|transpose"),
    ("inductor: other", r""),
)
FAMILIES = (
    ("attention", r"flash|fmha|attention|sdpa|softmax"),
    ("layout", r"nchwToNhwc|nhwcToNchw|transpose|permute|copy|cat_|CatArray"),
    ("convolution", r"conv|implicit|fprop|winograd|dgrad"),
    ("matmul", r"gemm|nvjet|cutlass|xmma|splitK"),
    ("normalisation", r"norm|welford|Norm"),
)


def family(kernel: str) -> str:
    families = INDUCTOR_FAMILIES if kernel.startswith("triton_") else FAMILIES
    return next((name for name, pattern in families if re.search(pattern, kernel)), "other")


def inputs(unet, batch: int) -> dict:
    """Video UNet inputs for `batch` // 2 segments, each with both CFG passes, at the default bucket."""
    video = VideoSettings()
    keys = KeyframeSettings()
    bucket = nearest_bucket(keys.height, keys.width, video.buckets)
    positive, negative = (
        {name: tensor.repeat(batch // 2, *[1] * (tensor.ndim - 1)) for name, tensor in inputs.items()}
        for inputs in video_unet_inputs(unet, video, bucket)
    )
    return guided_pair(positive, negative)


def kernel_times(unet, arguments: dict, calls: int, ops: int = 0) -> dict[str, float]:
    """Milliseconds of GPU time per call, by kernel name; prints the `ops` operators (with their input
    shapes) that launch the most GPU time."""
    activities = [ProfilerActivity.CUDA] + ([ProfilerActivity.CPU] if ops else [])
    with profile(activities=activities, record_shapes=bool(ops)) as report:
        for _ in range(calls):
            unet(**arguments)
        torch.cuda.synchronize()
    if ops:
        table = report.key_averages(group_by_input_shape=True).table(
            sort_by="self_device_time_total",
            row_limit=ops,
            max_name_column_width=40,
            max_shapes_column_width=90,
        )
        print(table)
    totals: dict[str, float] = defaultdict(float)
    for event in report.events():
        # Compiled graphs also show as annotations ("## Call CompiledFxGraph ..."): not kernels.
        if event.device_type == torch.autograd.DeviceType.CUDA and not event.name.startswith("##"):
            totals[event.name] += event.device_time / 1000 / calls
    return totals


def report(name: str, times: dict[str, float], rows: int) -> None:
    by_family: dict[str, float] = defaultdict(float)
    for kernel, milliseconds in times.items():
        by_family[family(kernel)] += milliseconds
    total = sum(by_family.values())
    print(f"\n{name}: {total:.1f} ms of kernels per call")
    for key, milliseconds in sorted(by_family.items(), key=lambda item: -item[1]):
        print(f"  {key:24} {milliseconds:8.2f} ms {milliseconds / total:6.1%}")
    for kernel, milliseconds in sorted(times.items(), key=lambda item: -item[1])[:rows]:
        print(f"    {milliseconds:7.2f} ms  {family(kernel):24} {kernel[:100]}")


def use_group_norm(unet, ours: bool) -> None:
    """Our GroupNorm (statistics per channel first), or PyTorch's lowering of nn.GroupNorm."""
    for module in unet.modules():
        if isinstance(module, nn.GroupNorm):
            module.__class__ = GroupNorm if ours else nn.GroupNorm


def use_model_variants(extras: set[str]) -> None:
    """ "+unpacked": attention along time one position's sequence at a time; "+autotune": timed
    matrix-product kernels when compiled; "+cdtune": tuned block sizes of Inductor's kernels."""
    attention.POSITIONS_PER_SEQUENCE = 1 if "unpacked" in extras else POSITIONS_PER_SEQUENCE
    torch._inductor.config.max_autotune_gemm = "autotune" in extras
    torch._inductor.config.coordinate_descent_tuning = "cdtune" in extras


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", default="eager,eager+kernels,compile,compile+cl+kernels")
    parser.add_argument("--batches", default="2,4")
    parser.add_argument("--calls", type=int, default=10)
    parser.add_argument("--rows", type=int, default=14)
    parser.add_argument("--ops", type=int, default=0, help="also list the costliest operators")
    parser.add_argument("--cudnn-benchmark", action="store_true", help="let cuDNN time its algorithms")
    args = parser.parse_args()
    torch.backends.cudnn.benchmark = args.cudnn_benchmark
    device = torch.device("cuda")
    unet = random_component(MULTI_FRAME, "unet", device, None)
    dtype = next(unet.parameters()).dtype
    torch.manual_seed(0)
    batches = [int(b) for b in args.batches.split(",")]
    print(f"{torch.cuda.get_device_name(device)}, torch {torch.__version__}, {dtype}", flush=True)
    summary = []
    for variant in args.variants.split(","):
        extras = set(variant.split("+")[1:]) | {variant.split("+")[0]}
        use_model_variants(extras)
        torch._dynamo.reset()
        uncompile(unet)
        (choose_attention_kernels if "kernels" in extras else default_attention_kernels)(unet)
        layout = "cl" in extras
        cpp_wrapper = "cppwrapper" in extras
        if "compile" in extras:
            compile_unet(unet, channels_last=layout, cpp_wrapper=cpp_wrapper)
        elif "fullcompile" in extras or "fullgraphs" in extras:
            mode = "reduce-overhead" if "fullgraphs" in extras else None
            compile_unet(unet, mode=mode, regional=False, channels_last=layout, cpp_wrapper=cpp_wrapper)
        else:
            use_channels_last(unet, layout)
        (replay_as_graphs if "graphs" in extras else stop_graphs)(unet)
        use_group_norm(unet, "torchgroupnorm" not in extras)
        cells, peaks = [], []
        with torch.inference_mode():
            for batch in batches:
                arguments = inputs(unet, batch)
                torch.cuda.reset_peak_memory_stats()
                before = torch.cuda.memory_allocated()
                # The warm-up compiles and lets cuDNN pick its algorithms.
                milliseconds = median_gpu_milliseconds(lambda a=arguments: unet(**a), args.calls)
                cells.append(milliseconds / (batch // 2))
                peaks.append((torch.cuda.max_memory_allocated() - before) / 2**30)
            times = kernel_times(unet, inputs(unet, batches[0]), 3, args.ops)
            report(variant, times, args.rows)
        summary.append((variant, cells))
        print(
            f"{variant}: "
            + ", ".join(
                f"batch {b}: {c:.1f} ms/segment, activations {p:.2f} GiB"
                for b, c, p in zip(batches, cells, peaks, strict=True)
            )
        )
    print(f"\n{'variant':18}" + "".join(f"{'batch ' + str(b):>14}" for b in batches))
    for variant, cells in summary:
        print(f"{variant:18}" + "".join(f"{c:11.1f} ms" for c in cells))


if __name__ == "__main__":
    with compile_limits():  # each block class compiles once per shape
        main()
