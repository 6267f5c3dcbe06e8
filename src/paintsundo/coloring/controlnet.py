"""The neural colourist: a line drawing to an illustration with ControlNet 1.1's lineart_anime on a
Stable Diffusion 1.5 anime base, through diffusers as it is (Zhang et al. 2023, "Adding Conditional
Control to Text-to-Image Diffusion Models").

Facts of the released model (ControlNet 1.1's notes and its lineart_anime demo): it was trained with
CLIP skip 2 on an Anything V3 base; its control image is the line drawing inverted, white lines on
black; the demo runs 20 steps at guidance 9 with the control at strength 1 over every step. The
colour scribbles, filled region by region by the procedural colourist, become the img2img starting
picture (the "inner reference" of Style2Paints V5), so that the scribbled colours stay where given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from diffusers import (
    ControlNetModel,
    StableDiffusionControlNetImg2ImgPipeline,
    StableDiffusionControlNetPipeline,
    UniPCMultistepScheduler,
)
from PIL import Image

from paintsundo.weights.diffusers_folders import (
    CONTROLNET,
    IP_ADAPTER,
    IP_ADAPTER_WEIGHTS,
    SD15_PIPELINE,
    model_folder,
)
from paintsundo.weights.quiet import quiet_loading

CLIP_SKIP = 2  # the penultimate layer's hidden states, through the final layer norm
PROMPT_CHUNKS = 3  # "3x token length": three 75-token windows, each encoded alone, side by side
ADDED_PROMPT = "masterpiece, best quality, ultra-detailed, illustration"
COLORIST_NEGATIVE_PROMPT = (  # the lineart_anime demo's
    "lowres, bad anatomy, bad hands, missing fingers, extra digit, fewer digits, cropped, worst quality,"
    " low quality"
)
LONG_SIDE = 768  # the model's native sizes are about 512 to 768 pixels on the long side
SHORT_MIN = 512
HINT_STRENGTH = 0.85  # how much of the starting picture is noised away when scribbles give one
# The reference picture's weight through the IP-Adapter: its authors' examples use 0.5 to 0.6 when a
# text prompt or a control image shares the say, as the lines do here.
REFERENCE_SCALE = 0.6


@dataclass(frozen=True)
class Control:
    """How closely the picture follows the lines: the ControlNet's scale, and the part of the
    sampling (0..1) it acts in."""

    scale: float
    start: float
    end: float


# strict is the lineart_anime demo's own setting; balanced and loose let go of the lines earlier
# and more softly, as the webui extension's "ending control step" does, leaving the model more say.
CONTROL_BY_NAME = {
    "strict": Control(1.0, 0.0, 1.0),
    "balanced": Control(0.8, 0.0, 0.8),
    "loose": Control(0.55, 0.0, 0.6),
}


@dataclass(frozen=True)
class ColoristSettings:
    prompt: str = ""
    negative_prompt: str = COLORIST_NEGATIVE_PROMPT
    control: str = "balanced"
    steps: int = 20
    cfg: float = 9.0
    seed: int = 12345
    count: int = 1


@torch.inference_mode()
def encode_long_prompt(tokenizer, text_encoder, texts: list[str]) -> torch.Tensor:
    """Prompts as lineart_anime was trained to read them: each cut into PROMPT_CHUNKS windows of 75
    tokens, each window wrapped in its start and end tokens and padded to 77, encoded alone with
    CLIP skip 2, and laid side by side: b (PROMPT_CHUNKS 77) c."""
    window = tokenizer.model_max_length - 2
    rows = []
    for text in texts:
        ids = tokenizer(text, truncation=False, add_special_tokens=False)["input_ids"]
        for chunk in range(PROMPT_CHUNKS):
            piece = [
                tokenizer.bos_token_id,
                *ids[chunk * window : (chunk + 1) * window],
                tokenizer.eos_token_id,
            ]
            rows.append(piece + [tokenizer.pad_token_id] * (window + 2 - len(piece)))
    device = text_encoder.device
    hidden = text_encoder(torch.tensor(rows, device=device), output_hidden_states=True).hidden_states
    # transformers 5 keeps the final norm on the model itself, earlier versions on its text_model
    final_norm = getattr(text_encoder, "text_model", text_encoder).final_layer_norm
    encoded = final_norm(hidden[-CLIP_SKIP])  # (b chunks) 77 c
    return encoded.reshape(len(texts), PROMPT_CHUNKS * (window + 2), encoded.shape[-1])


def model_size(width: int, height: int) -> tuple[int, int]:
    """The size the model works at for a sketch of this size: the aspect kept, the long side at most
    LONG_SIDE and the short side at least SHORT_MIN where that allows, both multiples of 8."""
    scale = min(LONG_SIDE / max(width, height), max(1.0, SHORT_MIN / min(width, height)))
    return max(8, round(width * scale / 8) * 8), max(8, round(height * scale / 8) * 8)


def control_picture(sketch: np.ndarray, size: tuple[int, int]) -> Image.Image:
    """The sketch (RGB uint8) as the ControlNet reads it: white lines on black, at `size`."""
    grey = Image.fromarray(sketch).convert("L").resize(size, Image.Resampling.LANCZOS)
    inverted = 255 - np.asarray(grey)
    return Image.fromarray(np.repeat(inverted[..., None], 3, axis=2))


class LineartColorist:
    """The base model, the ControlNet and their sampler, loaded once and kept for every picture."""

    def __init__(
        self,
        base: str | Path,
        controlnet: str | Path,
        device: str = "cpu",
        memory: str = "fast",
        compile: bool = False,
        ip_adapter: str | Path | None = None,
    ) -> None:
        """`memory` "fast" keeps every model on the device; "low" keeps them in CPU memory and
        brings each layer in as it runs, on a side stream (diffusers' group offloading). `compile`
        compiles the UNet and the ControlNet, where the sampling time goes. `ip_adapter`, an
        IP-Adapter in h94/IP-Adapter's layout, lets a reference picture steer the colours."""
        dtype = torch.float16 if torch.device(device).type == "cuda" else torch.float32
        control_folder = model_folder(controlnet, CONTROLNET, "controlnet")
        base_folder = model_folder(base, SD15_PIPELINE, "base")
        adapter_folder = None if ip_adapter is None else model_folder(ip_adapter, IP_ADAPTER, "ip_adapter")
        with quiet_loading():
            net = ControlNetModel.from_pretrained(control_folder, dtype=dtype, use_safetensors=True)
            self.img2img = StableDiffusionControlNetImg2ImgPipeline.from_pretrained(
                base_folder,
                controlnet=net,
                dtype=dtype,
                use_safetensors=True,
                safety_checker=None,
                requires_safety_checker=False,
            )
            if adapter_folder is not None:  # before the models move: offloading hooks what is there
                self.img2img.load_ip_adapter(
                    str(adapter_folder),
                    subfolder=str(Path(IP_ADAPTER_WEIGHTS).parent),
                    weight_name=Path(IP_ADAPTER_WEIGHTS).name,
                    image_encoder_folder="image_encoder",
                )
                self.img2img.unet.to(dtype=dtype)  # the adapter's layers come in the file's dtype
            if memory == "low":
                self.img2img.enable_group_offload(
                    torch.device(device), offload_type="leaf_level", use_stream=True
                )
            else:
                self.img2img.to(device)
            self.img2img.scheduler = UniPCMultistepScheduler.from_config(self.img2img.scheduler.config)
            self.text2img = StableDiffusionControlNetPipeline.from_pipe(self.img2img)
        for pipeline in (self.img2img, self.text2img):
            pipeline.set_progress_bar_config(disable=True)
        if compile:
            for model in (self.img2img.unet, self.img2img.controlnet):
                model.compile(dynamic=False)
        self.device = torch.device(device)
        self.ip_adapter = adapter_folder

    def __call__(
        self,
        sketch: np.ndarray,
        start: np.ndarray | None,
        settings: ColoristSettings,
        reference: np.ndarray | None = None,
    ) -> list[np.ndarray]:
        """`settings.count` pictures (RGB uint8, at the model's size) for an RGB sketch, starting
        from `start` (RGB, any size: the scribbles' flat colours) when given, steered by `reference`
        (RGB) through the IP-Adapter when one is loaded."""
        height, width = sketch.shape[:2]
        size = model_size(width, height)
        control = CONTROL_BY_NAME[settings.control]
        generator = torch.Generator(self.device).manual_seed(settings.seed)
        prompt = ", ".join(part for part in (settings.prompt, ADDED_PROMPT) if part)
        pipe = self.img2img
        positive, negative = encode_long_prompt(
            pipe.tokenizer, pipe.text_encoder, [prompt, settings.negative_prompt]
        )
        common = dict(
            prompt_embeds=positive[None].to(pipe.unet.dtype),
            negative_prompt_embeds=negative[None].to(pipe.unet.dtype),
            num_inference_steps=settings.steps,
            guidance_scale=settings.cfg,
            num_images_per_prompt=settings.count,
            generator=generator,
            controlnet_conditioning_scale=control.scale,
            control_guidance_start=control.start,
            control_guidance_end=control.end,
            output_type="np",
        )
        if self.ip_adapter is not None:
            # Without a reference the adapter still needs a picture; at scale 0 it adds nothing.
            pipe.set_ip_adapter_scale(REFERENCE_SCALE if reference is not None else 0.0)
            common["ip_adapter_image"] = Image.fromarray(reference if reference is not None else sketch)
        lines = control_picture(sketch, size)
        if start is None:
            result = self.text2img(image=lines, width=size[0], height=size[1], **common)
        else:
            first = Image.fromarray(start).resize(size, Image.Resampling.LANCZOS)
            result = self.img2img(image=first, control_image=lines, strength=HINT_STRENGTH, **common)
        return [np.clip(np.rint(picture * 255.0), 0, 255).astype(np.uint8) for picture in result.images]


def at_size(pictures: Sequence[np.ndarray], size: tuple[int, int]) -> list[np.ndarray]:
    """The model's pictures (RGB uint8) at the sketch's size (width, height)."""
    return [
        np.asarray(Image.fromarray(picture).resize(size, Image.Resampling.LANCZOS)) for picture in pictures
    ]
