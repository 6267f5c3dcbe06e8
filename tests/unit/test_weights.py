"""Loading tiny checkpoints written in the released layout, and every way loading can fail."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

import paintsundo.weights.release as release
from paintsundo.errors import PaintsUndoError
from paintsundo.hub import TAGGER_FILES, layout
from paintsundo.models.resampler import ResamplerParams
from paintsundo.models.unet3d import UNet3DParams
from paintsundo.models.video_vae import VideoVAEParams
from paintsundo.undo.runtime.model_sets import MultiFrameModels, SingleFrameModels, weight_files
from paintsundo.weights.loading import load_component, load_state_dict_file, loaded_bytes
from paintsundo.weights.release import (
    COMPONENTS,
    HUB_WEIGHTS,
    MULTI_FRAME,
    SINGLE_FRAME,
    component,
    model_set_folders,
)

TINY_UNET3D = dataclasses.replace(
    UNet3DParams(),
    model_channels=32,
    channel_mult=(1, 2),
    num_res_blocks=1,
    attention_resolutions=(2,),
    num_head_channels=16,
    context_dim=32,
    temporal_length=4,
)
TINY_VAE = dataclasses.replace(VideoVAEParams(), ch=32, ch_mult=(1, 2, 2, 2), num_res_blocks=1)
TINY_RESAMPLER = dataclasses.replace(
    ResamplerParams(),
    dim=32,
    depth=1,
    dim_head=8,
    heads=4,
    num_queries=2,
    embedding_dim=24,
    output_dim=32,
    video_length=4,
)
TINY_CONFIGS = {
    ("paints_undo_single_frame", "unet"): {
        "_class_name": "UNet2DConditionModel",
        "in_channels": 4,
        "out_channels": 4,
        "sample_size": 8,
        "block_out_channels": [32, 64],
        "layers_per_block": 1,
        "cross_attention_dim": 32,
        "down_block_types": ["CrossAttnDownBlock2D", "DownBlock2D"],
        "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D"],
        "attention_head_dim": 8,
        "time_embedding_dim": 1280,
    },
    ("paints_undo_single_frame", "vae"): {
        "_class_name": "AutoencoderKL",
        "block_out_channels": [32, 32],
        "layers_per_block": 1,
        "down_block_types": ["DownEncoderBlock2D"] * 2,
        "up_block_types": ["UpDecoderBlock2D"] * 2,
        "latent_channels": 4,
        "sample_size": 32,
    },
    ("paints_undo_multi_frame", "image_encoder"): {
        "hidden_size": 32,
        "intermediate_size": 64,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "image_size": 224,
        "patch_size": 14,
        "projection_dim": 16,
        "hidden_act": "gelu",
    },
    ("paints_undo_multi_frame", "unet"): dataclasses.asdict(TINY_UNET3D),
    ("paints_undo_multi_frame", "vae"): dataclasses.asdict(TINY_VAE),
    ("paints_undo_multi_frame", "image_projection"): dataclasses.asdict(TINY_RESAMPLER),
    ("paints_undo_multi_frame", "text_encoder"): {
        "vocab_size": 64,
        "hidden_size": 32,
        "intermediate_size": 64,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "max_position_embeddings": 77,
        "hidden_act": "gelu",
        "bos_token_id": 62,
        "eos_token_id": 63,
        "pad_token_id": 1,
    },
}


def write_checkpoint(root: Path, repo: str, name: str, dtype=torch.float16, seed: int = 0) -> dict:
    """A seeded random checkpoint of a tiny config, saved as the release saves it."""
    spec = component(repo, name)
    config = TINY_CONFIGS[(repo, name)]
    torch.manual_seed(seed)
    model = spec.build(config)
    state = {
        k: (v + 0.01 * torch.randn_like(v)).to(dtype).contiguous() for k, v in model.state_dict().items()
    }
    folder = root / repo / name
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps(config))
    save_file(state, folder / spec.weights)
    return state


@pytest.mark.parametrize("key", sorted(TINY_CONFIGS))
def test_tiny_fp16_checkpoints_load_through_the_public_loader(tmp_path, key):
    state = write_checkpoint(tmp_path, *key)
    model = load_component(tmp_path / key[0] / key[1], component(*key))
    loaded = model.state_dict()
    assert set(loaded) == set(state)
    for name, tensor in state.items():
        assert loaded[name].dtype == torch.float32
        assert torch.equal(loaded[name], tensor.float()), name
    assert not any(t.is_meta for t in list(model.parameters()) + list(model.buffers()))
    half = load_component(tmp_path / key[0] / key[1], component(*key), dtype=torch.float16)
    assert next(half.parameters()).dtype == torch.float16


@pytest.mark.parametrize("key", sorted(TINY_CONFIGS))
def test_what_weights_take_loaded_is_read_from_the_header_alone(tmp_path, key):
    write_checkpoint(tmp_path, *key)
    folder = tmp_path / key[0] / key[1]
    for dtype in (torch.float16, torch.float32):
        loaded = load_component(folder, component(*key), dtype=dtype).state_dict().values()
        assert loaded_bytes(folder, component(*key), dtype) == sum(t.nbytes for t in loaded)


def test_the_released_layout_loads_every_component():
    assert [c.key for c in COMPONENTS] == [
        "single_frame__text_encoder",
        "single_frame__vae",
        "single_frame__unet",
        "multi_frame__text_encoder",
        "multi_frame__image_encoder",
        "multi_frame__image_projection",
        "multi_frame__vae",
        "multi_frame__unet",
    ]


def test_an_unknown_model_set_is_an_error_naming_the_known_ones(tmp_path):
    known = "the release has paints_undo_single_frame and paints_undo_multi_frame"
    with pytest.raises(PaintsUndoError, match=f"unknown model set 'paints_undo_triple_frame': {known}"):
        weight_files(tmp_path, "paints_undo_triple_frame")
    with pytest.raises(PaintsUndoError, match="paints_undo_multi_frame has no component 'refiner'"):
        component(MULTI_FRAME, "refiner")


def test_the_hub_and_the_model_sets_take_the_components_from_the_release(monkeypatch, tmp_path):
    """A component added to the release's list is one a download must hold and a model set reads."""
    for repo in (SINGLE_FRAME, MULTI_FRAME):
        for folder in model_set_folders(repo):
            (tmp_path / repo / folder).mkdir(parents=True)
    (tmp_path / "misc").mkdir()
    for name in TAGGER_FILES:
        (tmp_path / "misc" / name).touch()
    paths = layout(tmp_path, "a test")
    assert paths.missing() == []
    refiner = dataclasses.replace(component(MULTI_FRAME, "vae"), name="refiner")
    monkeypatch.setattr(release, "COMPONENTS", (*COMPONENTS, refiner))
    assert paths.missing() == [str(tmp_path / MULTI_FRAME / "refiner")]
    assert weight_files(paths.multi_frame, MULTI_FRAME)[-1] == paths.multi_frame / "refiner" / HUB_WEIGHTS


def test_a_loaded_model_set_has_a_field_for_each_folder_of_the_release():
    for models, repo in ((SingleFrameModels, SINGLE_FRAME), (MultiFrameModels, MULTI_FRAME)):
        assert tuple(field.name for field in dataclasses.fields(models)) == model_set_folders(repo)


@pytest.fixture
def checkpoint(tmp_path) -> tuple[Path, dict]:
    state = write_checkpoint(tmp_path, "paints_undo_multi_frame", "image_projection")
    return tmp_path / "paints_undo_multi_frame" / "image_projection", state


def load(folder: Path):
    return load_component(folder, component("paints_undo_multi_frame", "image_projection"))


def test_missing_folder_config_and_file(tmp_path, checkpoint):
    folder, _ = checkpoint
    with pytest.raises(PaintsUndoError, match="model folder not found"):
        load(tmp_path / "nowhere")
    (folder / "config.json").rename(folder / "config.txt")
    with pytest.raises(PaintsUndoError, match=r"config\.json not found"):
        load(folder)
    (folder / "config.txt").rename(folder / "config.json")
    (folder / "model.safetensors").unlink()
    with pytest.raises(PaintsUndoError, match="weights file not found"):
        load(folder)


def test_missing_unexpected_and_misshapen_tensors_are_named(checkpoint):
    folder, state = checkpoint
    path = folder / "model.safetensors"
    save_file({k: v for k, v in state.items() if k != "proj_in.weight"}, path)
    with pytest.raises(PaintsUndoError, match=r"lacks 1 tensor.*proj_in\.weight"):
        load(folder)
    save_file({**state, "extra.weight": torch.zeros(2)}, path)
    with pytest.raises(PaintsUndoError, match=r"1 tensor\(s\) the model lacks.*extra\.weight"):
        load(folder)
    save_file({**state, "proj_in.weight": torch.zeros(3, 3, dtype=torch.float16)}, path)
    with pytest.raises(PaintsUndoError, match=r"tensor proj_in\.weight has shape \[3, 3\]"):
        load(folder)


def test_truncated_and_corrupt_files(checkpoint):
    folder, _ = checkpoint
    path = folder / "model.safetensors"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(PaintsUndoError, match="truncated or corrupt"):
        load(folder)
    path.write_bytes(b"\xff" * 64)
    with pytest.raises(PaintsUndoError, match="truncated or corrupt"):
        load(folder)
    with pytest.raises(PaintsUndoError, match="truncated or corrupt"):
        loaded_bytes(folder, component("paints_undo_multi_frame", "image_projection"), torch.float16)


def test_pickled_checkpoints_are_refused_unread(checkpoint):
    folder, _state = checkpoint
    (folder / "model.safetensors").unlink()
    trap = folder / "pytorch_model.bin"
    trap.write_bytes(b"not even read: a pickle could run code")
    with pytest.raises(PaintsUndoError, match=r"refusing to load .*pytorch_model\.bin: pickled"):
        load(folder)
    with pytest.raises(PaintsUndoError, match=r"refusing to load .*pytorch_model\.bin: pickled"):
        loaded_bytes(folder, component("paints_undo_multi_frame", "image_projection"), torch.float16)
    with pytest.raises(PaintsUndoError, match="refusing"):
        load_state_dict_file(folder / "weights.ckpt")


def test_temporal_window_is_off_by_default_and_built_on_request():
    from paintsundo.models.unet3d import UNet3D

    inputs = (
        torch.randn(1, 4, 4, 8, 8),
        torch.tensor([500]),
        torch.randn(1, 5, 32),
        torch.randn(1, 4, 3, 32),
        torch.randn(1, 4, 4, 8, 8),
        torch.tensor([3]),
    )

    def output(window):
        torch.manual_seed(0)
        unet = UNet3D(dataclasses.replace(TINY_UNET3D, temporal_window=window)).eval()
        for module in unet.modules():  # make the attention layers matter (they start at zero output)
            if isinstance(module, torch.nn.Linear):
                torch.nn.init.normal_(module.weight, std=0.2)
        with torch.no_grad():
            return unet(*inputs)

    plain = output(None)
    assert torch.equal(output(None), plain)
    assert not torch.allclose(output("prv"), plain)
    with pytest.raises(ValueError, match="unknown temporal window 'sideways'"):
        output("sideways")
