"""Whole UNet calls replayed as CUDA graphs (torch.cuda.graph): one launch a call instead of a few
thousand, so the GPU never waits on Python between kernels. Works on eager and regionally compiled
UNets alike, without compiling the whole forward into one graph.

An experiment of the benchmarks ("+graphs"), not part of the package: on an H100 the regionally
compiled video UNet already keeps the GPU busy, and replaying it as graphs made the job slower
(40.7 against 39.8 s) and held 2.6 GiB more memory apart for the captures.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn
from torch.utils._pytree import tree_flatten, tree_map_only, tree_unflatten

# Calls run before capturing, off the capture: the first ones compile, pick kernels and allocate
# workspaces, none of which a capture may do.
WARMUP_CALLS = 2


@dataclass
class Capture:
    graph: torch.cuda.CUDAGraph
    inputs: list[torch.Tensor]  # read by the graph: each call copies its tensors into them
    output: Any  # written by the graph, in its memory pool


class GraphedForward:
    """A module's forward, captured as a CUDA graph per distinct call (argument shapes, dtypes and
    other values) and replayed. The graphs read the weights where they were at capture: when the
    weights move (offloading plans), the captures are dropped and made again."""

    def __init__(self, module: nn.Module, forward: Callable, own_forward: Callable | None = None) -> None:
        self.module, self.forward = module, forward
        self.own_forward = own_forward  # the instance's forward it replaced (compiled), if any
        self.captures: dict[tuple, Capture] = {}
        self.weights: tuple[int, ...] = ()
        self.pool: tuple | None = None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        leaves, spec = tree_flatten((args, kwargs))
        tensors = [leaf for leaf in leaves if isinstance(leaf, torch.Tensor)]
        if not tensors or not all(t.is_cuda for t in tensors) or torch.cuda.is_current_stream_capturing():
            return self.forward(*args, **kwargs)
        weights = tuple(parameter.data_ptr() for parameter in self.module.parameters())
        if weights != self.weights:
            self.release()
            self.weights = weights
        key = (spec, *(_signature(leaf) for leaf in leaves))
        if key not in self.captures:
            self.captures[key] = self._capture(leaves, spec)
        capture = self.captures[key]
        for static, tensor in zip(capture.inputs, tensors, strict=True):
            static.copy_(tensor)
        capture.graph.replay()
        # The next replay overwrites the output, and callers keep earlier ones (multistep samplers).
        return tree_map_only(torch.Tensor, torch.clone, capture.output)

    def _capture(self, leaves: list, spec: Any) -> Capture:
        static = [leaf.clone() if isinstance(leaf, torch.Tensor) else leaf for leaf in leaves]
        args, kwargs = tree_unflatten(static, spec)
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            for _ in range(WARMUP_CALLS):
                self.forward(*args, **kwargs)
        torch.cuda.current_stream().wait_stream(side)
        self.pool = self.pool or torch.cuda.graph_pool_handle()
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph, pool=self.pool):
            output = self.forward(*args, **kwargs)
        inputs = [leaf for leaf in static if isinstance(leaf, torch.Tensor)]
        return Capture(graph, inputs, output)

    def release(self) -> None:
        """Drop the captures, giving their activations' memory back to PyTorch's allocator."""
        self.captures.clear()
        self.pool = None


def _signature(leaf: Any) -> Any:
    if isinstance(leaf, torch.Tensor):
        return (tuple(leaf.shape), leaf.stride(), leaf.dtype, leaf.device)
    return leaf


def replay_as_graphs(unet: nn.Module) -> None:
    """Replay the UNet's calls on the GPU as CUDA graphs (other calls run as before)."""
    if not isinstance(vars(unet).get("forward"), GraphedForward):
        unet.forward = GraphedForward(unet, unet.forward, own_forward=vars(unet).get("forward"))


def stop_graphs(unet: nn.Module) -> None:
    """Undo replay_as_graphs: back to the forward the UNet had (its class's, or a compiled one)."""
    graphed = vars(unet).get("forward")
    if isinstance(graphed, GraphedForward):
        graphed.release()
        del unet.forward
        if graphed.own_forward is not None:
            unet.forward = graphed.own_forward
