"""Starting a GPU on a background thread while the neural pipeline's modules import.

A fresh process spends seconds importing diffusers and transformers, which holds the GIL, and more
seconds creating the CUDA context and loading cuBLAS and cuDNN, which mostly does not: begun first,
the second overlaps the first. Imports only torch, so that it can begin before the pipeline loads.
"""

from __future__ import annotations

import threading

import torch
import torch.nn.functional as F

_started: set[torch.device] = set()
_lock = threading.Lock()


def start_device(device: str | torch.device) -> threading.Thread | None:
    """Begin creating a CUDA device's context and loading its matrix and convolution libraries on
    a background thread, once per device; returns the thread (None for other devices, or when
    begun already). Quiet when it fails: the run's own first use of the device reports that."""
    chosen = torch.device(device)
    if chosen.type != "cuda":
        return None
    with _lock:
        if chosen in _started:
            return None
        _started.add(chosen)
    thread = threading.Thread(target=_start, args=(chosen,), name="paintsundo-device-start")
    thread.start()
    return thread


def _start(device: torch.device) -> None:
    try:
        values = torch.ones(1, 8, 16, 16, device=device, dtype=torch.float16)  # the context
        torch.matmul(values[0, 0], values[0, 0])  # cuBLAS: its handle and workspace
        F.conv2d(values, torch.ones(8, 8, 3, 3, device=device, dtype=values.dtype))  # cuDNN
        torch.cuda.synchronize(device)
    except Exception:  # any failure shows again, with its message, where the run uses the GPU
        return
