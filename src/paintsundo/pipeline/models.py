"""The two released models as sets of loaded components, and where they live during a run."""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

import torch
from torch import nn

from paintsundo.errors import PaintsUndoError
from paintsundo.weights import component, load_component
from paintsundo.weights.release import MULTI_FRAME, SINGLE_FRAME


@dataclass
class SingleFrameModels:
    tokenizer: object
    text_encoder: nn.Module
    vae: nn.Module
    unet: nn.Module


@dataclass
class MultiFrameModels:
    tokenizer: object
    text_encoder: nn.Module
    image_encoder: nn.Module
    image_projection: nn.Module
    vae: nn.Module
    unet: nn.Module


def component_dtype(repo: str, name: str, device: torch.device, dtype: torch.dtype | None) -> torch.dtype:
    """float32 on the CPU; on accelerators the reference's choice unless one is given."""
    if dtype is not None:
        return dtype
    return torch.float32 if device.type == "cpu" else component(repo, name).reference_dtype


def _tokenizer(folder: Path) -> object:
    from transformers import CLIPTokenizer

    if not (folder / "vocab.json").is_file():
        raise PaintsUndoError(f"tokenizer not found: {folder}")
    return CLIPTokenizer.from_pretrained(str(folder))


def _load(folder: Path, repo: str, names: list[str], device: torch.device, dtype: torch.dtype | None) -> dict:
    loaded = {"tokenizer": _tokenizer(folder / "tokenizer")}
    for name in names:
        spec = component(repo, name)
        loaded[name] = load_component(folder / name, spec, component_dtype(repo, name, device, dtype))
    return loaded


def load_single_frame(
    folder: Path, device: torch.device, dtype: torch.dtype | None = None
) -> SingleFrameModels:
    """From a paints_undo_single_frame folder; weights stay on the CPU until a stage needs them."""
    return SingleFrameModels(**_load(folder, SINGLE_FRAME, ["text_encoder", "vae", "unet"], device, dtype))


def load_multi_frame(
    folder: Path, device: torch.device, dtype: torch.dtype | None = None
) -> MultiFrameModels:
    """From a paints_undo_multi_frame folder."""
    names = ["text_encoder", "image_encoder", "image_projection", "vae", "unet"]
    return MultiFrameModels(**_load(folder, MULTI_FRAME, names, device, dtype))


def modules_of(models: SingleFrameModels | MultiFrameModels) -> list[nn.Module]:
    return [getattr(models, f.name) for f in fields(models) if isinstance(getattr(models, f.name), nn.Module)]


class Placement:
    """Where weights live: all on the device when they fit ("resident"), otherwise only the stage
    at work ("swap", as the reference app does). On the CPU nothing moves."""

    def __init__(
        self, device: torch.device, mode: str = "auto", groups: list[list[nn.Module]] | None = None
    ) -> None:
        self.device = device
        every = [module for group in groups or [] for module in group]
        if mode == "auto":
            mode = "resident" if device.type != "cuda" or _fits(every, device) else "swap"
        self.mode = mode
        self._all = every
        if mode == "resident":
            for module in every:
                module.to(device)

    def use(self, *modules: nn.Module) -> None:
        """Make `modules` ready on the device; in swap mode, move every other one off it first."""
        if self.mode == "swap":
            wanted = {id(module) for module in modules}
            for module in self._all:
                if id(module) not in wanted:
                    module.to("cpu")
            torch.cuda.empty_cache()
        for module in modules:
            module.to(self.device)


def _fits(modules: list[nn.Module], device: torch.device) -> bool:
    free, _ = torch.cuda.mem_get_info(device)
    # Memory PyTorch has cached but not allocated is free for us too.
    free += torch.cuda.memory_reserved(device) - torch.cuda.memory_allocated(device)
    weights = sum(p.numel() * p.element_size() for module in modules for p in module.parameters())
    return weights < 0.6 * free  # leave room for activations
