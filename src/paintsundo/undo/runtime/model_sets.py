"""The two released models as sets of loaded components, and where they live during a run."""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

import torch
from torch import nn

from paintsundo.errors import PaintsUndoError
from paintsundo.hub import ModelPaths
from paintsundo.weights.loading import WeightReads, load_component, loaded_bytes
from paintsundo.weights.release import MULTI_FRAME, SINGLE_FRAME, TOKENIZER, component, model_set

CPU = torch.device("cpu")


# A model set loaded: its tokenizer and its components, as the release lists them (`_load` fills
# the fields from that list, so a component the release lists and these lack fails at once).
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


def _load(
    folder: Path,
    repo: str,
    device: torch.device,
    dtype: torch.dtype | None,
    onto: torch.device | None,
    reads: WeightReads | None,
) -> dict:
    loaded = {TOKENIZER: _tokenizer(folder / TOKENIZER)}
    for spec in model_set(repo):
        weights_dtype = component_dtype(repo, spec.name, device, dtype)
        loaded[spec.name] = load_component(folder / spec.name, spec, weights_dtype, onto or CPU, reads)
    return loaded


def load_single_frame(
    folder: Path,
    device: torch.device,
    dtype: torch.dtype | None = None,
    onto: torch.device | None = None,
    reads: WeightReads | None = None,
) -> SingleFrameModels:
    """From a paints_undo_single_frame folder, in `device`'s dtype. The weights are read onto `onto`
    (the GPU, when they are to stay there), else into CPU memory until a stage needs them; files
    read ahead into `reads` are taken from there."""
    return SingleFrameModels(**_load(folder, SINGLE_FRAME, device, dtype, onto, reads))


def load_multi_frame(
    folder: Path,
    device: torch.device,
    dtype: torch.dtype | None = None,
    onto: torch.device | None = None,
    reads: WeightReads | None = None,
) -> MultiFrameModels:
    """From a paints_undo_multi_frame folder (as load_single_frame)."""
    return MultiFrameModels(**_load(folder, MULTI_FRAME, device, dtype, onto, reads))


def planned_bytes(folder: Path, repo: str, device: torch.device, dtype: torch.dtype | None = None) -> int:
    """What a model set's weights will take once loaded, from its files' headers (no weights are read)."""
    return sum(
        loaded_bytes(folder / spec.name, spec, component_dtype(repo, spec.name, device, dtype))
        for spec in model_set(repo)
    )


def stage_bytes(paths: ModelPaths, device: torch.device) -> list[int]:
    """What each stage's model set will take once loaded (the keyframes', then the video's)."""
    return [
        planned_bytes(paths.single_frame, SINGLE_FRAME, device),
        planned_bytes(paths.multi_frame, MULTI_FRAME, device),
    ]


def weight_files(folder: Path, repo: str) -> list[Path]:
    """A model set's safetensors files, in the order `load_single_frame` and `load_multi_frame` read them."""
    return [folder / spec.name / spec.weights for spec in model_set(repo)]


def modules_of(models: SingleFrameModels | MultiFrameModels) -> list[nn.Module]:
    return [getattr(models, f.name) for f in fields(models) if isinstance(getattr(models, f.name), nn.Module)]
