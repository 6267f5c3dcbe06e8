"""A pipeline's start on its device, begun on a background thread while the pipeline's modules import:
the GPU's context and libraries, the memory plan, and the weights read onto the GPU.

A fresh process spends seconds importing diffusers and transformers, which holds the GIL, and more
seconds creating the CUDA context, loading cuBLAS and cuDNN and copying the weights to the GPU,
which mostly does not: begun first, the second overlaps the first. Imports neither diffusers nor
transformers, so that it can begin before the pipeline loads.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from concurrent.futures import Future

import torch
import torch.nn.functional as F

from paintsundo.hub import ModelPaths
from paintsundo.undo.runtime.model_sets import stage_bytes, weight_files
from paintsundo.undo.runtime.placement import MemoryPlan, choose_plan
from paintsundo.weights.loading import WeightReads
from paintsundo.weights.release import MULTI_FRAME, SINGLE_FRAME


class DeviceStart:
    """What a pipeline's run on a device begins with: the memory plan, chosen once here (`plan`),
    and the weights read ahead (`reads`), which the pipeline made with it takes, and holds until
    its loading has taken them. `begin` does both on a background thread, after starting the GPU."""

    def __init__(self, models: ModelPaths, device: str | torch.device, memory: str) -> None:
        self.models, self.device, self.memory = models, torch.device(device), memory
        self.reads = WeightReads()
        self._plan: Future[tuple[MemoryPlan, str]] = Future()
        self._begun = False
        self._lock = threading.Lock()

    def begin(self) -> threading.Thread | None:
        """On a CUDA device: start it on a background thread, then choose the plan there and, if the
        plan keeps every model on the GPU, read both models' weights onto it (the keyframes' first).
        Returns the thread; None elsewhere, where the plan is chosen when asked for. Quiet when the
        GPU fails to start: the plan's choice, or the run's use of the GPU, meets the failure and
        reports it."""
        if self.device.type != "cuda":
            return None
        self._begun = True
        thread = threading.Thread(target=self._start, name="paintsundo-device-start")
        thread.start()
        return thread

    def plan(self) -> tuple[MemoryPlan, str]:
        """The memory plan for `memory` and why (`choose_plan`): chosen once, on the start's thread
        if begun (this waits for it), else here; a failure to choose is raised here."""
        with self._lock:
            if not self._begun and not self._plan.done():
                self._settle(self._choose)
        return self._plan.result()

    def _choose(self) -> tuple[MemoryPlan, str]:
        return choose_plan(self.memory, self.device, stage_bytes(self.models, self.device))

    def _settle(self, choose: Callable[[], tuple[MemoryPlan, str]]) -> None:
        try:
            self._plan.set_result(choose())
        except Exception as error:  # raised where the plan is asked for
            self._plan.set_exception(error)

    def _start(self) -> None:
        self._settle(functools.partial(self._read_if_kept, start_device(self.device)))

    def _read_if_kept(self, started: bool) -> tuple[MemoryPlan, str]:
        """The plan, with the weights' reading begun first where it keeps them on the started GPU: a
        file is registered before the plan is given, so that the pipeline's loading finds it."""
        chosen = self._choose()
        if started and chosen[0].keep == "all":
            files = weight_files(self.models.single_frame, SINGLE_FRAME)
            self.reads.begin(files + weight_files(self.models.multi_frame, MULTI_FRAME), self.device)
        return chosen


def start_device(device: torch.device) -> bool:
    """Create a CUDA device's context and load its matrix and convolution libraries; whether that
    went well (quiet when not)."""
    try:
        values = torch.ones(1, 8, 16, 16, device=device, dtype=torch.float16)  # the context
        torch.matmul(values[0, 0], values[0, 0])  # cuBLAS: its handle and workspace
        F.conv2d(values, torch.ones(8, 8, 3, 3, device=device, dtype=values.dtype))  # cuDNN
        torch.cuda.synchronize(device)
    except Exception:  # any failure shows again, with its message, where the run meets it
        return False
    return True
