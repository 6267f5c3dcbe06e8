"""Strict loading: build on the meta device, check every tensor name and shape, assign the weights."""

from __future__ import annotations

import json
import math
from pathlib import Path

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import load_file
from torch import nn

from paintsundo.errors import PaintsUndoError
from paintsundo.weights.release import Component

PICKLE_SUFFIXES = (".bin", ".ckpt", ".pt", ".pth", ".pkl", ".pickle")
SHOWN = 3  # names quoted in a key error


def load_state_dict_file(path: str | Path, device: str | torch.device = "cpu") -> dict[str, torch.Tensor]:
    """Tensors of a .safetensors file, read straight onto `device`; pickled checkpoints are refused,
    damaged files reported."""
    path = Path(path)
    if path.suffix.lower() in PICKLE_SUFFIXES:
        raise PaintsUndoError(
            f"refusing to load {path}: pickled checkpoints can run arbitrary code when loaded;"
            " use the .safetensors files of the release"
        )
    if not path.is_file():
        raise PaintsUndoError(f"weights file not found: {path}")
    try:
        return load_file(path, device=str(device))
    except (SafetensorError, OSError, ValueError, RuntimeError) as error:
        raise PaintsUndoError(f"{path} is truncated or corrupt ({error}); download it again") from None


def load_component(
    folder: str | Path,
    component: Component,
    dtype: torch.dtype = torch.float32,
    device: str | torch.device = "cpu",
) -> nn.Module:
    """Load one released component from its folder (config.json plus its safetensors file), its
    weights read straight onto `device`."""
    folder = Path(folder)
    config = read_config(folder)
    with torch.device("meta"):
        model = component.build(config)
    weights = weights_file(folder, component)
    return assign_weights(model, load_state_dict_file(weights, device), weights, dtype).to(device)


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
                size = dtype.itemsize if floating else int("".join(filter(str.isdigit, stored)) or 8) // 8
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
