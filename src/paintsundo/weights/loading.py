"""Strict loading: build on the meta device, check every tensor name and shape, assign the weights."""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import load_file
from torch import nn

from paintsundo.errors import PaintsUndoError

if TYPE_CHECKING:
    from paintsundo.weights.release import Component

PICKLE_SUFFIXES = (".bin", ".ckpt", ".pt", ".pth", ".pkl", ".pickle")
SHOWN = 3  # names quoted in a key error
# Bytes per element of the safetensors dtypes that loading keeps as stored (the floating ones it casts).
STORED_BYTES = {"BOOL": 1, "U8": 1, "I8": 1, "U16": 2, "I16": 2, "U32": 4, "I32": 4, "U64": 8, "I64": 8}


def load_state_dict_file(
    path: str | Path, device: str | torch.device = "cpu", reads: WeightReads | None = None
) -> dict[str, torch.Tensor]:
    """Tensors of a .safetensors file, read straight onto `device` (or taken from `reads`, where it
    was read ahead); pickled checkpoints are refused, damaged files reported."""
    path = Path(path)
    if path.suffix.lower() in PICKLE_SUFFIXES:
        raise PaintsUndoError(
            f"refusing to load {path}: pickled checkpoints can run arbitrary code when loaded;"
            " use the .safetensors files of the release"
        )
    if not path.is_file():
        raise PaintsUndoError(f"weights file not found: {path}")
    taken = reads.take(path, device) if reads is not None else None
    return taken if taken is not None else _read(path, device)


def _read(path: Path, device: str | torch.device) -> dict[str, torch.Tensor]:
    try:
        return load_file(path, device=str(device))
    except (SafetensorError, OSError, ValueError, RuntimeError) as error:
        raise PaintsUndoError(f"{path} is truncated or corrupt ({error}); download it again") from None


class WeightReads:
    """Safetensors files read ahead onto a device on a background thread, held for the loading that
    takes them (`load_state_dict_file`'s `reads`). They belong to whoever will load them (a pipeline):
    dropped with it, or by `release`."""

    def __init__(self) -> None:
        self._readings: dict[tuple[Path, str], Future] = {}
        self._lock = threading.Lock()

    def begin(self, paths: Sequence[Path], device: str | torch.device) -> threading.Thread | None:
        """Begin reading the files onto `device`, one after another, on a background thread: taking a
        file then waits for its reading, and a failure is raised there. Files absent, or already
        being read, are left out; returns the thread, or None if there was nothing to read."""
        chosen = []
        with self._lock:
            for path in (Path(path).absolute() for path in paths):
                key = (path, str(device))
                if path.suffix == ".safetensors" and path.is_file() and key not in self._readings:
                    self._readings[key] = Future()
                    chosen.append((path, self._readings[key]))
        if not chosen:
            return None
        thread = threading.Thread(target=_read_each, args=(chosen, device), name="paintsundo-read-ahead")
        thread.start()
        return thread

    def take(self, path: Path, device: str | torch.device) -> dict[str, torch.Tensor] | None:
        """The file's tensors if it is being read ahead onto `device` (waiting for them), else None;
        taken once: nothing of them is held here afterwards."""
        with self._lock:
            reading = self._readings.pop((Path(path).absolute(), str(device)), None)
        return None if reading is None else reading.result()

    def held(self) -> int:
        """How many files' readings are held, not yet taken."""
        return len(self._readings)

    def release(self) -> None:
        """Drop what was read and not taken, and read nothing more."""
        with self._lock:
            readings, self._readings = self._readings, {}
        for reading in readings.values():
            reading.cancel()  # a reading not begun yet is skipped


def _read_each(chosen: list[tuple[Path, Future]], device: str | torch.device) -> None:
    for path, reading in chosen:
        if not reading.set_running_or_notify_cancel():
            continue  # released before its turn
        try:
            reading.set_result(_read(path, device))
        except Exception as error:  # raised where the file is loaded
            reading.set_exception(error)


def load_component(
    folder: str | Path,
    component: Component,
    dtype: torch.dtype = torch.float32,
    device: str | torch.device = "cpu",
    reads: WeightReads | None = None,
) -> nn.Module:
    """Load one released component from its folder (config.json plus its safetensors file), its
    weights read straight onto `device`, or taken from `reads` where they were read ahead."""
    folder = Path(folder)
    config = read_config(folder)
    with torch.device("meta"):
        model = component.build(config)
    weights = weights_file(folder, component)
    return assign_weights(model, load_state_dict_file(weights, device, reads), weights, dtype).to(device)


def weights_file(folder: Path, component: Component) -> Path:
    """The component's safetensors file in its folder; a pickled checkpoint in its place is refused."""
    weights = folder / component.weights
    if not weights.is_file():
        pickles = sorted(p.name for p in folder.iterdir() if p.suffix.lower() in PICKLE_SUFFIXES)
        if pickles:
            load_state_dict_file(folder / pickles[0])  # raises the refusal
        raise PaintsUndoError(f"weights file not found: {weights}")
    return weights


def loaded_bytes(folder: str | Path, component: Component, dtype: torch.dtype) -> int:
    """What a component's weights take once loaded in `dtype` (floating-point tensors; the others
    keep theirs), from its file's header alone: nothing else is read."""
    folder = Path(folder)
    read_config(folder)  # the folder and its config are checked as loading checks them
    path = weights_file(folder, component)
    total = 0
    try:
        with safe_open(path, framework="pt") as weights:
            for name in weights.keys():  # noqa: SIM118 (a safetensors handle is not a dict)
                tensor = weights.get_slice(name)
                stored = tensor.get_dtype()  # "F16", "BF16", "I64", ...
                floating = stored.startswith(("F", "BF"))
                size = dtype.itemsize if floating else STORED_BYTES[stored]
                total += math.prod(tensor.get_shape()) * size
    except (SafetensorError, OSError, ValueError) as error:
        raise PaintsUndoError(f"{path} is truncated or corrupt ({error}); download it again") from None
    return total


def assign_weights(
    model: nn.Module, state: dict[str, torch.Tensor], source: Path, dtype: torch.dtype = torch.float32
) -> nn.Module:
    """Check and assign a state dict to a model built on the meta device; returns it in eval mode."""
    check_tensors(model, state, source)
    state = {
        name: tensor.to(dtype) if tensor.is_floating_point() else tensor for name, tensor in state.items()
    }
    model.load_state_dict(state, strict=True, assign=True)
    _materialise_buffers(model)
    return model.eval().requires_grad_(False)


def read_config(folder: Path) -> dict:
    if not folder.is_dir():
        raise PaintsUndoError(f"model folder not found: {folder}")
    path = folder / "config.json"
    if not path.is_file():
        raise PaintsUndoError(f"config.json not found in {folder}")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise PaintsUndoError(f"{path} is not valid JSON: {error}") from None


def check_tensors(model: nn.Module, state: dict[str, torch.Tensor], source: Path) -> None:
    """Every tensor the model needs is in the file with its shape, and the file has no others."""
    expected = model.state_dict()
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    if missing:
        raise PaintsUndoError(
            f"{source} lacks {len(missing)} tensor(s) the model needs, e.g. {_names(missing)}"
        )
    if unexpected:
        raise PaintsUndoError(
            f"{source} has {len(unexpected)} tensor(s) the model lacks, e.g. {_names(unexpected)}"
        )
    for name, tensor in expected.items():
        if tuple(state[name].shape) != tuple(tensor.shape):
            raise PaintsUndoError(
                f"{source}: tensor {name} has shape {list(state[name].shape)},"
                f" the model needs {list(tensor.shape)}"
            )


def _names(names: list[str]) -> str:
    return ", ".join(names[:SHOWN]) + (" ..." if len(names) > SHOWN else "")


def _materialise_buffers(model: nn.Module) -> None:
    """Non-persistent buffers are not in checkpoints; rebuild those still on the meta device."""
    for module in model.modules():
        for name, buffer in list(module.named_buffers(recurse=False)):
            if buffer is None or not buffer.is_meta:
                continue
            if name != "position_ids":
                raise RuntimeError(f"no recipe for non-persistent buffer {name} of {type(module).__name__}")
            values = torch.arange(buffer.shape[-1]).expand(buffer.shape)
            module.register_buffer(name, values, persistent=False)
