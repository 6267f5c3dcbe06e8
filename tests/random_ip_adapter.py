"""An IP-Adapter with random weights for a given UNet, in h94/IP-Adapter's layout: for the tests'
tiny models and the benchmarks' full-size ones. Imports nothing from the test suite."""

from __future__ import annotations

from pathlib import Path


def write_ip_adapter(folder: Path, unet, vision_config, dtype=None) -> Path:
    """models/ip-adapter_sd15.safetensors (the image projection to four context tokens, and each
    cross-attention's added key and value layers, in diffusers' numbering) beside a CLIP vision
    encoder with projection in models/image_encoder."""
    import torch
    from safetensors.torch import save_file
    from transformers import CLIPVisionModelWithProjection

    encoder = CLIPVisionModelWithProjection(vision_config)
    if dtype is not None:
        encoder = encoder.to(dtype)
    encoder.save_pretrained(folder / "models" / "image_encoder", safe_serialization=True)
    embedding = vision_config.projection_dim
    context = unet.config.cross_attention_dim
    tensors = {
        "image_proj.proj.weight": torch.randn(4 * context, embedding) * embedding**-0.5,
        "image_proj.proj.bias": torch.zeros(4 * context),
        "image_proj.norm.weight": torch.ones(context),
        "image_proj.norm.bias": torch.zeros(context),
    }
    key = 1  # diffusers numbers every attention layer; the adapter's are the cross-attentions, odd
    for name in unet.attn_processors:
        if name.endswith("attn2.processor"):
            width = unet.get_submodule(name.removesuffix(".processor")).to_q.in_features
            for layer in ("to_k_ip", "to_v_ip"):
                tensors[f"ip_adapter.{key}.{layer}.weight"] = torch.randn(width, context) * context**-0.5
            key += 2
    if dtype is not None:
        tensors = {name: tensor.to(dtype) for name, tensor in tensors.items()}
    save_file(tensors, str(folder / "models" / "ip-adapter_sd15.safetensors"))
    return folder
