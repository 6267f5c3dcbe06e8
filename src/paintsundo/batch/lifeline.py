"""Batch worker processes that never outlive the batch: they leave when their parent dies or asks."""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading

PR_SET_PDEATHSIG = 1  # prctl option (linux/prctl.h): the signal a process gets when its parent dies
WATCH_SECONDS = 0.5


def start_worker(parent: int, stop, gpu_slots=None) -> None:
    """Runs first in each worker process, before torch is imported.

    Ctrl-C is the parent's to handle; the worker ends at once when the parent sets `stop` or dies
    (SIGKILL included): by the kernel's parent-death signal on Linux, and by watching elsewhere.
    With `gpu_slots`, the worker takes one GPU from the queue and sees only it.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)
    threading.Thread(target=_watch, args=(parent, stop), name="paintsundo-lifeline", daemon=True).start()
    if gpu_slots is not None:
        os.environ["CUDA_VISIBLE_DEVICES"] = gpu_slots.get()


def _watch(parent: int, stop) -> None:
    while not stop.wait(WATCH_SECONDS):
        if os.getppid() != parent:
            break
    os._exit(1)  # no clean-up: the parent, or the next run, removes this worker's partial files
