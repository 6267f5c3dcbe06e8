"""Where the weights live during a run: the memory modes, their automatic choice, and the moves.

Offloaded weights wait in pinned host memory, so that putting a module back on the GPU is one fast
copy that can overlap with compute (on a side stream), and taking it off is free: nothing is copied
back, since inference never changes weights.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

import torch
from torch import nn

from paintsundo.undo.pipeline.settings import VideoSettings


@dataclass(frozen=True)
class MemoryPlan:
    """How a run trades GPU memory for speed."""

    mode: str
    keep: str  # on the GPU: "all" models, the running "stage"'s, or only the "module" at work
    decode_chunk: int | None  # video frames decoded at a time (None: a whole segment batch)
    keyframe_decode_batch: int | None = None  # keyframes decoded at a time (None: all together)
    segment_batch: int = 1  # video segments sampled together, unless the settings say
    # cuDNN times its algorithms for each new convolution shape: in a fresh process the timing cost
    # the first picture 5 s against 0.4 s a job saved afterwards (docs/performance.md), so off.
    tune_convolutions: bool = False

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

GIB = 2**30
# Activations on top of the weights, measured at the default sizes (benchmarks/neural.py): the video
# UNet with batched CFG about 1.6 GiB, a segment's video decode in chunks of 4 frames about 2.5 GiB.
ACTIVATIONS = 3.0 * GIB
ALIGNMENT = 64  # bytes, so that every tensor's view of a packed buffer is aligned for its dtype
DENSE_LAYOUTS = (torch.contiguous_format, torch.channels_last, torch.channels_last_3d)


def free_gpu_memory(device: torch.device) -> int:
    """Free memory, counting what PyTorch has cached but not allocated."""
    free, _ = torch.cuda.mem_get_info(device)
    return free + torch.cuda.memory_reserved(device) - torch.cuda.memory_allocated(device)


def choose_plan(mode: str, device: torch.device, stage_bytes: list[int]) -> tuple[MemoryPlan, str]:
    """The plan for `mode`; for "auto", the fastest one whose weights (bytes per stage) and
    activations fit. Also why. A run chooses it once, before reading any weights onto the GPU
    (`DeviceStart.plan`), and everything that depends on it takes that choice."""
    if mode != "auto":
        return MEMORY_PLANS[mode], "asked for"
    if device.type != "cuda":
        return FAST, f"{device.type}: weights stay where they are"
    free = free_gpu_memory(device)
    everything = sum(stage_bytes)
    if everything + ACTIVATIONS <= free:
        plan = FAST
    elif max(stage_bytes) + ACTIVATIONS <= free:
        plan = BALANCED
    else:
        plan = LOW
    return plan, f"auto: {free / GIB:.1f} GiB free, weights {everything / GIB:.1f} GiB"


class Placement:
    """Moves modules on and off the device following a MemoryPlan. On the CPU the bookkeeping runs
    but nothing is copied (tests check the plans there)."""

    def __init__(
        self, device: torch.device, plan: MemoryPlan = FAST, stages: list[list[nn.Module]] = ()
    ) -> None:
        self.device, self.plan = device, plan
        self.moves = plan.keep != "all"
        self._cuda = device.type == "cuda"
        self._stage_of: dict[int, int] = {}
        self._modules: list[nn.Module] = []
        self._host: dict[int, HostCopy] = {}
        self._ready: dict[int, torch.cuda.Event | None] = {}
        self._side = torch.cuda.Stream(device) if self.moves and self._cuda else None
        for index, stage in enumerate(stages):
            self.add_stage(stage, index)

    def add_stage(self, modules: list[nn.Module], index: int | None = None) -> None:
        index = len(set(self._stage_of.values())) if index is None else index
        for module in modules:
            self._stage_of[id(module)] = index
            self._modules.append(module)
            if self.moves:
                self._host[id(module)] = _host_copy(module, pinned=self._cuda)
            else:
                module.to(self.device)
                self._ready[id(module)] = None

    def use(self, *modules: nn.Module, prefetch: Iterable[nn.Module] = ()) -> None:
        """Make `modules` ready on the device, evicting what the plan does not keep; then start
        copying `prefetch` in the background, so the next step finds it there."""
        if not self.moves:
            return
        wanted = {id(module) for module in modules}
        if self.plan.keep == "stage":
            stages = {self._stage_of[key] for key in wanted}
            wanted |= {id(m) for m in self._modules if self._stage_of[id(m)] in stages}
        for module in self._modules:
            if id(module) not in wanted:
                self._evict(module)
        for module in self._modules:
            if id(module) in wanted:
                self._load(module)
                event = self._ready[id(module)]
                if event is not None:  # copied on the side stream: compute waits for it
                    torch.cuda.current_stream(self.device).wait_event(event)
        for module in prefetch:
            self._load(module)

    def resident(self) -> list[nn.Module]:
        """The modules on the device now (or that would be, on the CPU)."""
        return [module for module in self._modules if id(module) in self._ready]

    def _load(self, module: nn.Module) -> None:
        if id(module) in self._ready:
            return
        if not self._cuda:
            self._ready[id(module)] = None
            return
        host = self._host[id(module)]
        consumer = torch.cuda.current_stream(self.device)
        self._side.wait_stream(consumer)
        with torch.cuda.stream(self._side):
            # One copy of the module's whole buffer: full bandwidth, one allocation.
            flat = host.flat.to(self.device, non_blocking=True)
            flat.record_stream(consumer)  # freed only after the compute that reads it
            for tensor, (start, view) in zip(host.tensors, host.slices, strict=True):
                _point(tensor, _packed(flat, start, view))
            event = torch.cuda.Event()
            event.record(self._side)
        self._ready[id(module)] = event

    def _evict(self, module: nn.Module) -> None:
        if self._ready.pop(id(module), False) is not False:
            host = self._host[id(module)]
            for tensor, (_, view) in zip(host.tensors, host.slices, strict=True):
                _point(tensor, view)


@dataclass
class HostCopy:
    """A module's parameters and buffers, packed into one (pinned) host buffer."""

    tensors: list[torch.Tensor]
    flat: torch.Tensor  # uint8
    slices: list[tuple[int, torch.Tensor]]  # each tensor's byte offset in flat, and its view there


def _host_copy(module: nn.Module, pinned: bool) -> HostCopy:
    """Pack the module's tensors into one host buffer (one pinned allocation, one copy to the GPU);
    the module then points at it: it starts offloaded."""
    tensors = [*module.parameters(), *module.buffers()]
    offsets, total = [], 0
    for tensor in tensors:
        offsets.append(total)
        total += -(-tensor.numel() * tensor.element_size() // ALIGNMENT) * ALIGNMENT
    flat = torch.empty(total, dtype=torch.uint8, pin_memory=pinned)
    slices = []
    for tensor, start in zip(tensors, offsets, strict=True):
        view = _packed(flat, start, tensor)
        view.copy_(tensor.data)
        _point(tensor, view)
        slices.append((start, view))
    return HostCopy(tensors, flat, slices)


def _packed(flat: torch.Tensor, start: int, like: torch.Tensor) -> torch.Tensor:
    """The tensor at byte `start` of a packed buffer, with the shape and strides of `like`: compiled
    UNets keep channels-last weights, and their compiled code expects those strides."""
    values = flat[start : start + like.numel() * like.element_size()].view(like.dtype)
    dense = any(like.is_contiguous(memory_format=layout) for layout in DENSE_LAYOUTS)
    return values.as_strided(like.shape, like.stride()) if dense else values.view(like.shape)


def _point(tensor: torch.Tensor, values: torch.Tensor) -> None:
    """Make a module's parameter or buffer hold `values` (its view in a packed buffer), keeping the
    tensor object: the one place where the placement swaps what a tensor holds. A module moves as one
    packed copy, which `module.to` (a copy per tensor) would not make; the same objects, because
    compiled blocks and prepared calls hold the module's tensors themselves, which new Parameters
    would leave behind and which `torch.utils.swap_tensors` refuses to swap (Dynamo keeps weak
    references to the weights it guards)."""
    tensor.data = values
