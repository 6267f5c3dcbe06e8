"""GEGLU with the gate applied inside the matrix product (Triton kernels), against cuBLAS followed by
Inductor's fused gelu-multiply, at the feed-forward shapes of the 3D UNet's default call (batch 4).

    python benchmarks/geglu_fusion.py [--repeats 20]

The feed-forward's first product writes 8C channels per token, which the gate reads back and halves:
at the 48x56 level that is 880 MB written and read again per block. A kernel that computes a tile of
both halves and gates it before storing never writes them. Two such kernels: one program per tile with
pointer loads, and a persistent one that loads through TMA descriptors (Hopper and later). Prints
milliseconds per call (median), the cuBLAS product alone for scale, and each result's relative error
against float32.

An experiment of the benchmarks, not part of the package: on an H100 the persistent kernel beat the
compiled pair at the largest level (0.82 against 0.96 ms), nearly tied at the next (0.63 against 0.65)
and lost below (0.55 against 0.50 ms at 1280 channels). Triton's products are slower than cuBLAS's,
which eats the memory traffic saved: about 1% of a UNet call to gain, not worth a kernel of our own.
"""

from __future__ import annotations

import argparse

import torch
import torch.nn.functional as F
import triton
import triton.language as tl

from released_random import median_gpu_milliseconds

# (tokens, channels) of the feed-forward inputs in one batch-4 call: 16 frames of each level's pixels,
# the initial temporal attention (512 channels, run once for both CFG passes), then the middle block.
SHAPES = ((172032, 320), (86016, 512), (43008, 640), (10752, 1280), (2688, 1280))
TILE_SHAPES = ((128, 128, 64, 8, 3), (128, 128, 64, 8, 4), (128, 64, 64, 4, 4), (64, 128, 64, 4, 4))


def _configs(pre_hook=None) -> list[triton.Config]:
    return [
        triton.Config(
            {"BLOCK_M": m, "BLOCK_N": n, "BLOCK_K": k, "GROUP_M": 8},
            num_warps=warps,
            num_stages=stages,
            pre_hook=pre_hook,
        )
        for m, n, k, warps, stages in TILE_SHAPES
    ]


@triton.jit
def _tile_coordinates(tile, grid_m, grid_n, GROUP_M: tl.constexpr):
    """Grouped tile order: GROUP_M row tiles share their column tiles while those are in L2."""
    per_group = GROUP_M * grid_n
    first_m = (tile // per_group) * GROUP_M
    rows = min(grid_m - first_m, GROUP_M)
    return first_m + (tile % per_group) % rows, (tile % per_group) // rows


@triton.jit
def _gate(value, gate, bias_ptr, columns, N):
    """(value + bias) * gelu(gate + bias), in float32; the gelu is the exact (erf) one."""
    value = value + tl.load(bias_ptr + columns).to(tl.float32)[None, :]
    gate = gate + tl.load(bias_ptr + N + columns).to(tl.float32)[None, :]
    return value * (0.5 * gate * (1.0 + tl.erf(gate * 0.7071067811865476)))


@triton.autotune(configs=_configs(), key=["M", "N", "K"])
@triton.jit
def gated_tiles(
    x_ptr, weight_ptr, bias_ptr, out_ptr, M, N, K,
    BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr, BLOCK_K: tl.constexpr, GROUP_M: tl.constexpr,
):  # fmt: skip
    """One program per output tile; x: M K, weight: 2N K (value rows, then gate rows), out: M N, all
    contiguous. Only rows are masked: N and K must be multiples of the tiles, as the UNet's are."""
    pid_m, pid_n = _tile_coordinates(tl.program_id(0), tl.cdiv(M, BLOCK_M), tl.cdiv(N, BLOCK_N), GROUP_M)
    rows = pid_m * BLOCK_M + tl.arange(0, BLOCK_M)
    columns = pid_n * BLOCK_N + tl.arange(0, BLOCK_N)
    depth = tl.arange(0, BLOCK_K)
    x_ptrs = x_ptr + rows[:, None] * K + depth[None, :]
    value_ptrs = weight_ptr + columns[None, :] * K + depth[:, None]
    value = tl.zeros((BLOCK_M, BLOCK_N), dtype=tl.float32)
    gate = tl.zeros((BLOCK_M, BLOCK_N), dtype=tl.float32)
    for _ in range(0, tl.cdiv(K, BLOCK_K)):
        x = tl.load(x_ptrs, mask=rows[:, None] < M, other=0.0)
        value = tl.dot(x, tl.load(value_ptrs), value)
        gate = tl.dot(x, tl.load(value_ptrs + N * K), gate)
        x_ptrs += BLOCK_K
        value_ptrs += BLOCK_K
    out = _gate(value, gate, bias_ptr, columns, N)
    tl.store(out_ptr + rows[:, None] * N + columns[None, :], out.to(tl.float16), mask=rows[:, None] < M)


def _descriptor_blocks(arguments: dict) -> None:
    block_m, block_n, block_k = arguments["BLOCK_M"], arguments["BLOCK_N"], arguments["BLOCK_K"]
    arguments["x_desc"].block_shape = [block_m, block_k]
    arguments["weight_desc"].block_shape = [block_n, block_k]
    arguments["out_desc"].block_shape = [block_m, block_n]


@triton.autotune(configs=_configs(_descriptor_blocks), key=["M", "N", "K"])
@triton.jit
def gated_tiles_persistent(
    x_desc, weight_desc, out_desc, bias_ptr, M, N, K,
    BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr, BLOCK_K: tl.constexpr, GROUP_M: tl.constexpr,
    PROGRAMS: tl.constexpr,
):  # fmt: skip
    """One program per multiprocessor, walking the tiles; the tile loop is flattened so that the next
    tile's loads overlap this tile's gating and store."""
    grid_m, grid_n = tl.cdiv(M, BLOCK_M), tl.cdiv(N, BLOCK_N)
    for tile in tl.range(tl.program_id(0), grid_m * grid_n, PROGRAMS, flatten=True):
        pid_m, pid_n = _tile_coordinates(tile, grid_m, grid_n, GROUP_M)
        row, column = pid_m * BLOCK_M, pid_n * BLOCK_N
        value = tl.zeros((BLOCK_M, BLOCK_N), dtype=tl.float32)
        gate = tl.zeros((BLOCK_M, BLOCK_N), dtype=tl.float32)
        for step in range(tl.cdiv(K, BLOCK_K)):
            x = x_desc.load([row, step * BLOCK_K])
            value = tl.dot(x, weight_desc.load([column, step * BLOCK_K]).T, value)
            gate = tl.dot(x, weight_desc.load([N + column, step * BLOCK_K]).T, gate)
        out = _gate(value, gate, bias_ptr, column + tl.arange(0, BLOCK_N), N)
        out_desc.store([row, column], out.to(tl.float16))


def geglu_tiles(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    tokens, channels = x.shape
    out = x.new_empty(tokens, weight.shape[0] // 2)
    n = out.shape[1]

    def grid(meta: dict) -> tuple[int]:
        return (triton.cdiv(tokens, meta["BLOCK_M"]) * triton.cdiv(n, meta["BLOCK_N"]),)

    gated_tiles[grid](x, weight, bias, out, tokens, n, channels)
    return out


def geglu_persistent(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    from triton.tools.tensor_descriptor import TensorDescriptor

    tokens, channels = x.shape
    out = x.new_empty(tokens, weight.shape[0] // 2)
    n = out.shape[1]
    programs = torch.cuda.get_device_properties(x.device).multi_processor_count
    # Block shapes are placeholders until the autotuner's hook sets each config's.
    descriptors = [TensorDescriptor.from_tensor(t, [1, 1]) for t in (x, weight, out)]

    def grid(meta: dict) -> tuple[int]:
        return (min(programs, triton.cdiv(tokens, meta["BLOCK_M"]) * triton.cdiv(n, meta["BLOCK_N"])),)

    gated_tiles_persistent[grid](*descriptors, bias, tokens, n, channels, PROGRAMS=programs)
    return out


def geglu_plain(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    value, gate = F.linear(x, weight, bias).chunk(2, dim=-1)
    return F.gelu(gate) * value


def row(tokens: int, channels: int, ways: dict, repeats: int) -> str:
    """Milliseconds of each way and of the product alone, then each way's error against float32."""
    x = torch.randn(tokens, channels, device="cuda", dtype=torch.float16)
    weight = torch.randn(8 * channels, channels, device="cuda", dtype=torch.float16) / channels**0.5
    bias = torch.randn(8 * channels, device="cuda", dtype=torch.float16) / 10
    exact = geglu_plain(x.float(), weight.float(), bias.float())
    times = [
        median_gpu_milliseconds(lambda f=f: f(x, weight, bias), repeats, back_to_back=10)
        for f in ways.values()
    ]
    product = median_gpu_milliseconds(lambda: F.linear(x, weight, bias), repeats, back_to_back=10)
    errors = [((f(x, weight, bias).float() - exact).norm() / exact.norm()).item() for f in ways.values()]
    cells = "".join(f"{t:8.3f} ms" for t in times)
    return f"{tokens:7d} {channels:5d}{cells}{product:6.3f} ms  " + " ".join(f"{e:.1e}" for e in errors)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    compiled = torch.compile(geglu_plain, dynamic=False)
    ways = {"eager": geglu_plain, "compiled": compiled, "tiles": geglu_tiles, "persistent": geglu_persistent}
    print(f"{torch.cuda.get_device_name()}, torch {torch.__version__}, triton {triton.__version__}")
    print(f"{'tokens':>7} {'C':>5}" + "".join(f"{name:>11}" for name in ways) + f"{'product':>9}  errors")
    torch.manual_seed(0)
    for tokens, channels in SHAPES:
        print(row(tokens, channels, ways, args.repeats), flush=True)


if __name__ == "__main__":
    main()
