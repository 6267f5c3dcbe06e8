"""Starting a GPU, and reading the weights onto it, on background threads while the neural pipeline's
modules import.

A fresh process spends seconds importing diffusers and transformers, which holds the GIL, and more
seconds creating the CUDA context, loading cuBLAS and cuDNN and copying the weights to the GPU,
which mostly does not: begun first, the second overlaps the first. Imports neither diffusers nor
transformers, so that it can begin before the pipeline loads.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable

import torch
import torch.nn.functional as F

from paintsundo.hub import ModelPaths
from paintsundo.undo.runtime.model_sets import stage_bytes, weight_files
from paintsundo.undo.runtime.placement import keeps_all_once_read
from paintsundo.weights.loading import read_ahead
from paintsundo.weights.release import MULTI_FRAME, SINGLE_FRAME

_started: set[torch.device] = set()
_lock = threading.Lock()


def start_early(models: ModelPaths, device: str | torch.device, memory: str) -> threading.Thread | None:
    """`start_device`, then read both models' weights onto the device (the keyframes' first) if the
    memory plan for `memory` keeps them all there even so; the pipeline's loading takes them."""
    chosen = torch.device(device)
    return start_device(chosen, then=functools.partial(_read_weights, models, chosen, memory))


def start_device(
    device: str | torch.device, then: Callable[[], object] | None = None
) -> threading.Thread | None:
    """Begin creating a CUDA device's context and loading its matrix and convolution libraries on
    a background thread, once per device, then run `then` there; returns the thread (None for other
    devices, or when begun already). Quiet when it fails: the run's own use of the device, or of
    what `then` prepares, reports that."""
    chosen = torch.device(device)
    if chosen.type != "cuda":
        return None
    with _lock:
        if chosen in _started:
            return None
        _started.add(chosen)
    thread = threading.Thread(target=_start, args=(chosen, then), name="paintsundo-device-start")
    thread.start()
    return thread


def _start(device: torch.device, then: Callable[[], object] | None) -> None:
    try:
        values = torch.ones(1, 8, 16, 16, device=device, dtype=torch.float16)  # the context
        torch.matmul(values[0, 0], values[0, 0])  # cuBLAS: its handle and workspace
        F.conv2d(values, torch.ones(8, 8, 3, 3, device=device, dtype=values.dtype))  # cuDNN
        torch.cuda.synchronize(device)
        if then is not None:
            then()
    except Exception:  # any failure shows again, with its message, where the run meets it
        return


def _read_weights(models: ModelPaths, device: torch.device, memory: str) -> None:
    if keeps_all_once_read(memory, device, stage_bytes(models, device)):
        files = weight_files(models.single_frame, SINGLE_FRAME) + weight_files(
            models.multi_frame, MULTI_FRAME
        )
        read_ahead(files, device)
