"""What the release contains: its two model sets, and per component its folder, weight file and how
to build its model. `COMPONENTS` is the one list of them: the hub's check that a download is whole,
the loading of a model set and the key listings all read it.

Full-size configs are the released ones (see tests/data/checkpoints for the listed tensors). Imports
no torch: the hub reads the list where torch is not installed; building a model imports it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from paintsundo.errors import PaintsUndoError

if TYPE_CHECKING:
    import torch
    from torch import nn

SINGLE_FRAME = "paints_undo_single_frame"
MULTI_FRAME = "paints_undo_multi_frame"
DIFFUSERS_WEIGHTS = "diffusion_pytorch_model.safetensors"
HUB_WEIGHTS = "model.safetensors"
MODEL_SETS = (SINGLE_FRAME, MULTI_FRAME)
TOKENIZER = "tokenizer"  # each model set's folder of tokenizer files, beside its components


# The builders import torch, diffusers or transformers when called: what the release holds (its
# files, dtypes and configs) is known without them, before a run has imported them.
def _single_frame_unet(config: dict[str, Any]) -> nn.Module:
    from paintsundo.models.single_frame import SingleFrameUNet, SingleFrameUNetParams

    return SingleFrameUNet.from_config(SingleFrameUNetParams(config).diffusers_config())


def _autoencoder_kl(config: dict[str, Any]) -> nn.Module:
    from diffusers import AutoencoderKL

    return AutoencoderKL.from_config(config)


def _clip_text(config: dict[str, Any]) -> nn.Module:
    from transformers import CLIPTextConfig

    from paintsundo.models.text_encoder import ClipTextEncoder

    return ClipTextEncoder(CLIPTextConfig.from_dict(config))


def _clip_vision(config: dict[str, Any]) -> nn.Module:
    from transformers import CLIPVisionConfig

    from paintsundo.models.clip_vision import AnyAspectClipVision

    return AnyAspectClipVision(CLIPVisionConfig.from_dict(config))


def _unet3d(config: dict[str, Any]) -> nn.Module:
    from paintsundo.models.unet3d import UNet3D, UNet3DParams

    return UNet3D(UNet3DParams.from_config(config))


def _video_vae(config: dict[str, Any]) -> nn.Module:
    from paintsundo.models.video_vae import VideoVAE, VideoVAEParams

    return VideoVAE(VideoVAEParams.from_config(config))


def _resampler(config: dict[str, Any]) -> nn.Module:
    from paintsundo.models.resampler import Resampler, ResamplerParams

    return Resampler(ResamplerParams.from_config(config))


# The released configs of our own models are their parameters' defaults.
def _unet3d_config() -> dict[str, Any]:
    from paintsundo.models.unet3d import UNet3DParams

    return dataclasses.asdict(UNet3DParams())


def _video_vae_config() -> dict[str, Any]:
    from paintsundo.models.video_vae import VideoVAEParams

    return dataclasses.asdict(VideoVAEParams())


def _resampler_config() -> dict[str, Any]:
    from paintsundo.models.resampler import ResamplerParams

    return dataclasses.asdict(ResamplerParams())


@dataclass(frozen=True)
class Component:
    repo: str  # folder of the Hugging Face repo, e.g. paints_undo_multi_frame
    name: str  # sub-folder, e.g. unet
    weights: str  # file name inside it
    build: Callable[[dict[str, Any]], nn.Module]
    make_released_config: Callable[[], dict[str, Any]]
    reference_precision: str = "float16"  # the torch dtype the reference app runs it in

    @property
    def key(self) -> str:
        """The listing name, e.g. multi_frame__unet."""
        return f"{self.repo.removeprefix('paints_undo_')}__{self.name}"

    @property
    def released_config(self) -> dict[str, Any]:
        """The full-size config, for checks without the files."""
        return self.make_released_config()

    @property
    def reference_dtype(self) -> torch.dtype:
        import torch

        return getattr(torch, self.reference_precision)


SD15_UNET = {
    "sample_size": 64,
    "in_channels": 4,
    "out_channels": 4,
    "center_input_sample": False,
    "flip_sin_to_cos": True,
    "freq_shift": 0,
    "down_block_types": [
        "CrossAttnDownBlock2D",
        "CrossAttnDownBlock2D",
        "CrossAttnDownBlock2D",
        "DownBlock2D",
    ],
    "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"],
    "block_out_channels": [320, 640, 1280, 1280],
    "layers_per_block": 2,
    "downsample_padding": 1,
    "mid_block_scale_factor": 1,
    "act_fn": "silu",
    "norm_num_groups": 32,
    "norm_eps": 1e-05,
    "cross_attention_dim": 768,
    "attention_head_dim": 8,
}
SD15_VAE = {
    "in_channels": 3,
    "out_channels": 3,
    "down_block_types": ["DownEncoderBlock2D"] * 4,
    "up_block_types": ["UpDecoderBlock2D"] * 4,
    "block_out_channels": [128, 256, 512, 512],
    "layers_per_block": 2,
    "act_fn": "silu",
    "latent_channels": 4,
    "norm_num_groups": 32,
    "sample_size": 512,
    "scaling_factor": 0.18215,
}
CLIP_L_TEXT_11_LAYERS = {
    "vocab_size": 49408,
    "hidden_size": 768,
    "intermediate_size": 3072,
    "num_hidden_layers": 11,
    "num_attention_heads": 12,
    "max_position_embeddings": 77,
    "hidden_act": "quick_gelu",
    "projection_dim": 768,
}
OPENCLIP_H_TEXT_23_LAYERS = {
    "vocab_size": 49408,
    "hidden_size": 1024,
    "intermediate_size": 4096,
    "num_hidden_layers": 23,
    "num_attention_heads": 16,
    "max_position_embeddings": 77,
    "hidden_act": "gelu",
    "projection_dim": 512,
}
CLIP_H_VISION = {
    "hidden_size": 1280,
    "intermediate_size": 5120,
    "num_hidden_layers": 32,
    "num_attention_heads": 16,
    "image_size": 224,
    "patch_size": 14,
    "projection_dim": 1024,
    "hidden_act": "gelu",
    "layer_norm_eps": 1e-05,
}


# Each model set's components in the order it loads them.
COMPONENTS: tuple[Component, ...] = (
    Component(SINGLE_FRAME, "text_encoder", HUB_WEIGHTS, _clip_text, lambda: CLIP_L_TEXT_11_LAYERS),
    Component(SINGLE_FRAME, "vae", DIFFUSERS_WEIGHTS, _autoencoder_kl, lambda: SD15_VAE, "bfloat16"),
    Component(SINGLE_FRAME, "unet", DIFFUSERS_WEIGHTS, _single_frame_unet, lambda: SD15_UNET),
    Component(MULTI_FRAME, "text_encoder", HUB_WEIGHTS, _clip_text, lambda: OPENCLIP_H_TEXT_23_LAYERS),
    Component(MULTI_FRAME, "image_encoder", HUB_WEIGHTS, _clip_vision, lambda: CLIP_H_VISION),
    Component(MULTI_FRAME, "image_projection", HUB_WEIGHTS, _resampler, _resampler_config),
    Component(MULTI_FRAME, "vae", HUB_WEIGHTS, _video_vae, _video_vae_config),
    Component(MULTI_FRAME, "unet", HUB_WEIGHTS, _unet3d, _unet3d_config),
)


def model_set(repo: str) -> tuple[Component, ...]:
    """A model set's components, in the order it loads them."""
    found = tuple(each for each in COMPONENTS if each.repo == repo)
    if not found:
        raise PaintsUndoError(f"unknown model set {repo!r}: the release has {' and '.join(MODEL_SETS)}")
    return found


def component_names(repo: str) -> tuple[str, ...]:
    return tuple(each.name for each in model_set(repo))


def model_set_folders(repo: str) -> tuple[str, ...]:
    """What a model set's folder holds: its tokenizer's folder and one folder per component."""
    return (TOKENIZER, *component_names(repo))


def component(repo: str, name: str) -> Component:
    found = model_set(repo)
    for candidate in found:
        if candidate.name == name:
            return candidate
    raise PaintsUndoError(
        f"{repo} has no component {name!r}: it has {', '.join(each.name for each in found)}"
    )
