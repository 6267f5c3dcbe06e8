"""Module cases of the golden vectors: build the module from the case's config, run it on the inputs.

Each runner takes (config, weights, inputs) and returns the outputs by name, as float32 tensors.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from paintsundo.models.clip_vision import AnyAspectClipVision
from paintsundo.models.resampler import Resampler, ResamplerParams
from paintsundo.models.single_frame import SingleFrameUNet, SingleFrameUNetParams
from paintsundo.models.unet3d import TEMPORAL_WINDOWS, UNet3D, UNet3DParams
from paintsundo.models.video_vae import VideoVAE, VideoVAEParams, end_frame_features
from paintsundo.samplers import (
    DiscreteSchedule,
    karras_sigmas,
    linear_betas,
    sample_ddim_v_dynamic,
    sample_dpmpp_2m,
    scaled_linear_betas,
    trailing_timesteps,
    zero_terminal_snr,
)
from paintsundo.samplers.schedules import dynamic_x0_scale
from paintsundo.undo.pipeline.denoisers import single_frame_denoiser, video_denoiser
from paintsundo.weights.loading import assign_weights

Tensors = dict[str, torch.Tensor]
Runner = Callable[[dict[str, Any], Tensors, Tensors], Tensors]

INPUTS = {
    "sf_unet": ("sample", "timestep", "encoder_hidden_states", "concat_conds", "coded_conds"),
    "sf_sampler": ("concat_conds", "positive", "negative", "coded_conds"),
    "mf_unet": ("x", "timesteps", "context_text", "context_img", "concat_cond", "fs"),
    "mf_unet_windows": ("x", "timesteps", "context_text", "context_img", "concat_cond", "fs"),
    "mf_vae": ("frames", "decode_latents_scaled"),
    "mf_resampler": ("x",),
    "mf_clip_vision": ("x",),
    "mf_sampler": ("concat_cond", "positive_text", "negative_text", "positive_image", "negative_image", "fs"),
}


def _loaded(model: torch.nn.Module, weights: Tensors) -> torch.nn.Module:
    model = assign_weights(model, weights, Path("case weights"), torch.float32)
    return model.to(next((t.device for t in weights.values()), "cpu"))


def sf_unet(config: dict[str, Any], weights: Tensors, inputs: Tensors) -> Tensors:
    unet_config = dict(config["unet_config_before_widening"])
    with torch.device("meta"):
        unet = SingleFrameUNet.from_config(SingleFrameUNetParams(unet_config).diffusers_config())
    unet = _loaded(unet, weights)
    names = INPUTS["sf_unet"]
    return {"out": unet.undo(*(inputs[name] for name in names))}


def _unet3d(config: dict[str, Any], weights: Tensors, temporal_window: str | None = None) -> UNet3D:
    params = dataclasses.replace(UNet3DParams.from_config(config), temporal_window=temporal_window)
    with torch.device("meta"):
        unet = UNet3D(params)
    return _loaded(unet, weights)


def mf_unet(config: dict[str, Any], weights: Tensors, inputs: Tensors) -> Tensors:
    return {"out": _unet3d(config, weights)(*(inputs[name] for name in INPUTS["mf_unet"]))}


def mf_unet_windows(config: dict[str, Any], weights: Tensors, inputs: Tensors) -> Tensors:
    outputs = {}
    for mode in TEMPORAL_WINDOWS:
        unet = _unet3d(config, weights, temporal_window=mode)
        outputs[f"out_{mode}"] = unet(*(inputs[name] for name in INPUTS["mf_unet"]))
    return outputs


def mf_vae(config: dict[str, Any], weights: Tensors, inputs: Tensors) -> Tensors:
    with torch.device("meta"):
        vae = VideoVAE(VideoVAEParams.from_config(config))
    vae = _loaded(vae, weights)
    frames = inputs["frames"]
    latents, features = vae.encode(frames)
    # The case encodes one clip of len(frames) frames and keeps its end frames' features.
    hidden = end_frame_features(features, frames=len(frames))
    decode_frames = len(inputs["decode_latents_scaled"]) // len(hidden[0])
    outputs = {
        "latent_mode_scaled": latents,
        "decoded": vae.decode(inputs["decode_latents_scaled"], hidden, decode_frames),
    }
    outputs.update({f"hidden_{index}": feature for index, feature in enumerate(hidden)})
    return outputs


def mf_resampler(config: dict[str, Any], weights: Tensors, inputs: Tensors) -> Tensors:
    with torch.device("meta"):
        resampler = Resampler(ResamplerParams.from_config(config))
    return {"out": _loaded(resampler, weights)(inputs["x"])}


def mf_clip_vision(config: dict[str, Any], weights: Tensors, inputs: Tensors) -> Tensors:
    from transformers import CLIPVisionConfig

    with torch.device("meta"):
        model = AnyAspectClipVision(CLIPVisionConfig(**config["CLIPVisionConfig"]))
    return {"out": _loaded(model, weights)(inputs["x"]).last_hidden_state}


def sf_sampler(config: dict[str, Any], weights: Tensors, inputs: Tensors) -> Tensors:
    unet_case = json.loads((Path(config["reference_dir"]) / "sf_unet.json").read_text())["config"]
    with torch.device("meta"):
        unet = SingleFrameUNet.from_config(
            SingleFrameUNetParams(dict(unet_case["unet_config_before_widening"])).diffusers_config()
        )
    unet = _loaded(unet, weights)
    steps = inputs["coded_conds"]
    schedule = DiscreteSchedule.from_betas(linear_betas())
    sigmas = karras_sigmas(schedule, int(config["steps"]))
    generator = torch.Generator("cpu").manual_seed(int(config["seed"]))
    noise = torch.randn(inputs["concat_conds"].shape, generator=generator).repeat(len(steps), 1, 1, 1)
    batch = len(steps)
    denoiser = single_frame_denoiser(
        unet,
        schedule,
        inputs["positive"].repeat(batch, 1, 1),
        inputs["negative"].repeat(batch, 1, 1),
        inputs["concat_conds"],
        steps,
        float(config["cfg"]),
    )
    return {"out": sample_dpmpp_2m(denoiser, noise * sigmas[0], sigmas)}


def mf_sampler(config: dict[str, Any], weights: Tensors, inputs: Tensors) -> Tensors:
    unet_config = json.loads((Path(config["reference_dir"]) / "mf_unet.json").read_text())["config"]
    unet = _unet3d(unet_config, weights)
    schedule = DiscreteSchedule.from_betas(zero_terminal_snr(scaled_linear_betas()))
    shared = {"concat_cond": inputs["concat_cond"], "fs": inputs["fs"]}
    positive = {"context_text": inputs["positive_text"], "context_img": inputs["positive_image"], **shared}
    negative = {"context_text": inputs["negative_text"], "context_img": inputs["negative_image"], **shared}
    denoiser = video_denoiser(
        unet, schedule, positive, negative, float(config["cfg"]), float(config["guidance_rescale"])
    )
    generator = torch.Generator("cpu").manual_seed(int(config["seed"]))
    timesteps = trailing_timesteps(int(config["steps"]))
    shape = tuple(inputs["concat_cond"].shape)
    return {"out": sample_ddim_v_dynamic(denoiser, shape, schedule, timesteps, dynamic_x0_scale(), generator)}


RUNNERS: dict[str, Runner] = {
    "sf_sampler": sf_sampler,
    "mf_sampler": mf_sampler,
    "sf_unet": sf_unet,
    "mf_unet": mf_unet,
    "mf_unet_windows": mf_unet_windows,
    "mf_vae": mf_vae,
    "mf_resampler": mf_resampler,
    "mf_clip_vision": mf_clip_vision,
}
TOLERANCES = {"sf_sampler": 1e-3, "mf_sampler": 1e-3}
MODULE_TOLERANCE = 1e-4
