"""Tiny seeded Stable Diffusion 1.5 parts in the hub layout (a pipeline folder, a ControlNet folder
and an IP-Adapter in h94/IP-Adapter's layout), built from diffusers and transformers configs, for
tests that load them as real weights."""

from __future__ import annotations

from pathlib import Path

from conftest import TINY_RELEASE
from random_ip_adapter import write_ip_adapter

TOKENIZER = TINY_RELEASE / "paints_undo_single_frame" / "tokenizer"  # SD1.5's CLIP tokenizer files


def write_tiny_sd(folder: Path, seed: int = 0) -> tuple[Path, Path]:
    """A base pipeline folder and a lineart ControlNet folder, safetensors only."""
    import torch
    from diffusers import (
        AutoencoderKL,
        ControlNetModel,
        DDIMScheduler,
        StableDiffusionPipeline,
    )
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

    torch.manual_seed(seed)
    unet = _tiny_unet()
    vae = AutoencoderKL(
        block_out_channels=(32, 32, 32, 32),
        down_block_types=("DownEncoderBlock2D",) * 4,
        up_block_types=("UpDecoderBlock2D",) * 4,
        latent_channels=4,
        norm_num_groups=8,
        sample_size=64,
    )
    text = CLIPTextModel(
        CLIPTextConfig(
            hidden_size=32, intermediate_size=37, num_attention_heads=4, num_hidden_layers=3, vocab_size=49408
        )
    )
    tokenizer = CLIPTokenizer.from_pretrained(str(TOKENIZER))
    scheduler = DDIMScheduler(  # as Stable Diffusion 1.5 configures it
        beta_schedule="scaled_linear", beta_start=0.00085, beta_end=0.012, clip_sample=False,
        set_alpha_to_one=False, steps_offset=1,
    )  # fmt: skip
    base = StableDiffusionPipeline(
        vae=vae, text_encoder=text, tokenizer=tokenizer, unet=unet, scheduler=scheduler,
        safety_checker=None, feature_extractor=None, requires_safety_checker=False,
    )  # fmt: skip
    base.save_pretrained(folder / "base", safe_serialization=True)
    controlnet = ControlNetModel.from_unet(unet, conditioning_embedding_out_channels=(8, 16, 32, 32))
    with torch.no_grad():  # a ControlNet starts with zero output layers: give it a say
        for name, parameter in controlnet.named_parameters():
            if "zero_conv" in name or "controlnet_down_blocks" in name or "controlnet_mid_block" in name:
                parameter.normal_(0.0, 0.2)
    controlnet.save_pretrained(folder / "controlnet", safe_serialization=True)
    return folder / "base", folder / "controlnet"


def write_tiny_ip_adapter(folder: Path, seed: int = 0) -> Path:
    """An IP-Adapter for the tiny UNet, beside a tiny CLIP vision encoder, in h94/IP-Adapter's layout."""
    import torch
    from transformers import CLIPVisionConfig

    torch.manual_seed(seed)
    vision = CLIPVisionConfig(
        hidden_size=32, intermediate_size=37, num_attention_heads=4, num_hidden_layers=2,
        image_size=32, patch_size=8, projection_dim=16,
    )  # fmt: skip
    return write_ip_adapter(folder, _tiny_unet(), vision)


def _tiny_unet():
    from diffusers import UNet2DConditionModel

    return UNet2DConditionModel(
        sample_size=8,
        block_out_channels=(32, 64),
        layers_per_block=1,
        # Attention at the coarser level only: at the model's 512 px (64 latents) the finer level's
        # 4096-token attention would take most of the suite's CPU time.
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        cross_attention_dim=32,
        attention_head_dim=4,
    )
