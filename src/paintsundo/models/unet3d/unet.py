"""The multi-frame 3D UNet: a 2D UNet over (batch x frames) with temporal layers woven in.

VideoCrafter / DynamiCrafter / ToonCrafter lineage; matches the Paints-UNDO release: an initial
temporal attention, image cross-attention next to text cross-attention, and an fps embedding.
"""

from __future__ import annotations

import torch
from einops import rearrange
from torch import nn

from paintsundo.models.attention import KernelOrder
from paintsundo.models.compiling import CompiledBlocks
from paintsundo.models.group_norm import GroupNorm
from paintsundo.models.unet3d.blocks import Downsample, ResBlock, Upsample, embedding_mlp, timestep_embedding
from paintsundo.models.unet3d.params import UNet3DParams
from paintsundo.models.unet3d.transformers import SpatialTransformer, TemporalTransformer

INIT_ATTENTION_HEADS = 8


def for_each_conditioning(x: torch.Tensor, rows: int) -> torch.Tensor:
    """x, computed once for inputs that all conditionings share, repeated for each: `rows` rows."""
    return x if len(x) == rows else torch.cat([x] * (rows // len(x)))


class LayerStack(nn.ModuleList):
    """One UNet level step: each layer gets what it needs (embedding, context, frame count)."""

    def forward(self, x: torch.Tensor, embedding: torch.Tensor, context: tuple, frames: int) -> torch.Tensor:
        for layer in self:
            if isinstance(layer, ResBlock):
                # Before the first cross-attention x may hold the shared rows only: the first of each
                # conditioning's embeddings, which are all the same.
                x = layer(x, embedding[: len(x)], frames)
            elif isinstance(layer, SpatialTransformer):
                x = layer(for_each_conditioning(x, len(context[0])), context, frames)
            elif isinstance(layer, TemporalTransformer):
                x = rearrange(
                    layer(rearrange(x, "(b t) c h w -> b c t h w", t=frames)), "b c t h w -> (b t) c h w"
                )
            else:
                x = layer(x)
        return x


class UNet3D(CompiledBlocks, nn.Module):
    # The blocks that repeat: compiled one by one, they share the generated code between blocks of
    # one shape, for nearly the speed of compiling the whole forward, in a fraction of its time.
    compiled_blocks = (ResBlock, SpatialTransformer, TemporalTransformer)

    def __init__(self, params: UNet3DParams) -> None:
        super().__init__()
        self.params = p = params
        embed_dim = p.model_channels * 4
        self.time_embed = embedding_mlp(p.model_channels, embed_dim)
        if p.fs_condition:
            self.fps_embedding = embedding_mlp(p.model_channels, embed_dim)
        self.input_blocks = nn.ModuleList(
            [LayerStack([nn.Conv2d(p.in_channels, p.model_channels, 3, padding=1)])]
        )
        if p.addition_attention:
            self.init_attn = LayerStack(
                [
                    TemporalTransformer(
                        p.model_channels,
                        INIT_ATTENTION_HEADS,
                        p.num_head_channels,
                        p.transformer_depth,
                        linear=False,
                    )
                ]
            )
        skip_channels = self._build_down(embed_dim)
        channels = skip_channels[-1]
        self.middle_block = LayerStack(
            [
                ResBlock(channels, embed_dim, channels, p.temporal_conv),
                *self._attention(channels),
                ResBlock(channels, embed_dim, channels, p.temporal_conv),
            ]
        )
        self.output_blocks = nn.ModuleList()
        channels = self._build_up(embed_dim, channels, skip_channels)
        self.out = nn.Sequential(
            GroupNorm(32, channels), nn.SiLU(), nn.Conv2d(p.model_channels, p.out_channels, 3, padding=1)
        )

    def _attention(self, channels: int) -> list[nn.Module]:
        p = self.params
        heads, dim_head = p.heads_for(channels)
        layers: list[nn.Module] = [
            SpatialTransformer(
                channels,
                heads,
                dim_head,
                p.transformer_depth,
                p.context_dim,
                p.image_cross_attention_scale_learnable,
                p.temporal_window,
            )
        ]
        if p.temporal_attention:
            layers.append(TemporalTransformer(channels, heads, dim_head, p.transformer_depth))
        return layers

    def _build_down(self, embed_dim: int) -> list[int]:
        p = self.params
        channels, scale, skip_channels = p.model_channels, 1, [p.model_channels]
        for level, mult in enumerate(p.channel_mult):
            for _ in range(p.num_res_blocks):
                layers = [ResBlock(channels, embed_dim, mult * p.model_channels, p.temporal_conv)]
                channels = mult * p.model_channels
                if scale in p.attention_resolutions:
                    layers += self._attention(channels)
                self.input_blocks.append(LayerStack(layers))
                skip_channels.append(channels)
            if level != len(p.channel_mult) - 1:
                self.input_blocks.append(LayerStack([Downsample(channels)]))
                skip_channels.append(channels)
                scale *= 2
        return skip_channels

    def _build_up(self, embed_dim: int, channels: int, skip_channels: list[int]) -> int:
        p = self.params
        scale = 2 ** (len(p.channel_mult) - 1)
        for level, mult in reversed(list(enumerate(p.channel_mult))):
            for index in range(p.num_res_blocks + 1):
                layers = [
                    ResBlock(
                        channels + skip_channels.pop(), embed_dim, mult * p.model_channels, p.temporal_conv
                    )
                ]
                channels = mult * p.model_channels
                if scale in p.attention_resolutions:
                    layers += self._attention(channels)
                if level and index == p.num_res_blocks:
                    layers.append(Upsample(channels))
                    scale //= 2
                self.output_blocks.append(LayerStack(layers))
        return channels

    def enable_attention_kernels(self, order: KernelOrder | None) -> None:
        """Run each transformer's attention under the SDPA kernel order for its kind of attention
        (over pixels or along time); None gives PyTorch's own order back."""
        for module in self.modules():
            if isinstance(module, (SpatialTransformer, TemporalTransformer)):
                module.sdpa_kernels = None if order is None else tuple(order[module.attention_kind])

    def forward(
        self,
        x: torch.Tensor,  # b c t h w, noisy latents
        timesteps: torch.Tensor,  # b
        context_text: torch.Tensor,  # b tokens c
        context_img: torch.Tensor,  # b t tokens c
        concat_cond: torch.Tensor,  # b c t h w
        fs: torch.Tensor | None = None,  # b
    ) -> torch.Tensor:
        """v-prediction: (k b) c t h w for contexts of k b rows, k conditionings of each input (batched
        CFG: positive then negative). All else is shared, so the layers before the first
        cross-attention run once for all k."""
        batch, _, frames = x.shape[:3]
        conditionings = len(context_text) // batch
        embedding = self.time_embed(timestep_embedding(timesteps, self.params.model_channels).to(x.dtype))
        if self.params.fs_condition:
            fs = fs if fs is not None else torch.full((batch,), self.params.default_fs, device=x.device)
            embedding = embedding + self.fps_embedding(
                timestep_embedding(fs, self.params.model_channels).to(x.dtype)
            )
        embedding = embedding.repeat_interleave(frames, dim=0).repeat(conditionings, 1)
        context = (
            context_text.repeat_interleave(frames, dim=0),
            rearrange(context_img, "b t n c -> (b t) n c"),
        )
        h = rearrange(torch.cat([x, concat_cond], dim=1), "b c t h w -> (b t) c h w")
        skips = []
        for index, block in enumerate(self.input_blocks):
            h = block(h, embedding, context, frames)
            if index == 0 and self.params.addition_attention:
                h = self.init_attn(h, embedding, context, frames)
            skips.append(h)
        h = self.middle_block(h, embedding, context, frames)
        for block in self.output_blocks:
            h = block(
                torch.cat([h, for_each_conditioning(skips.pop(), len(h))], dim=1), embedding, context, frames
            )
        return rearrange(self.out(h.to(x.dtype)), "(b t) c h w -> b c t h w", t=frames)
