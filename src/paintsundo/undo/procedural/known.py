"""Layers known rather than estimated: those a colourist made, which the colouring workflow films."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from paintsundo.undo.procedural.analysis import region_means


@dataclass(frozen=True)
class ColoringLayers:
    """What a colourist knows of a coloured line drawing, drawn as it is instead of estimated."""

    picture: np.ndarray  # h w 3 float32, 0..255: the finished picture
    ink: np.ndarray  # h w float32, 0..1: the lines' opacity
    ink_color: np.ndarray  # h w 3 float32
    canvas: np.ndarray  # h w bool: paper the colourist left bare
    regions: np.ndarray  # h w int32, 0 .. region_count-1
    region_colors: np.ndarray  # region_count 3 float32: the flat colours
    shadow: np.ndarray  # h w bool
    highlight: np.ndarray  # h w bool

    @property
    def region_count(self) -> int:
        return len(self.region_colors)


def coloring_layers(
    picture: np.ndarray,
    line_opacity: np.ndarray,
    line_color: np.ndarray,
    regions: np.ndarray,
    flats: np.ndarray,
    colored: np.ndarray,
    shaded: np.ndarray,
    highlight: np.ndarray,
) -> ColoringLayers:
    """The layers of a coloured line drawing: the finished picture (h w 3 uint8), the lines'
    opacity (h w) and colour (h w 3), the regions (h w int, any numbering), the flat colours with
    paper where `coloured` is False (h w 3), the flats with their shadows (h w 3), and the
    highlights' mask (h w bool)."""
    height, width = regions.shape
    _, numbered = np.unique(regions, return_inverse=True)
    numbered = numbered.reshape(height, width).astype(np.int32)
    return ColoringLayers(
        picture=picture.astype(np.float32),
        ink=line_opacity.astype(np.float32),
        ink_color=line_color.astype(np.float32),
        canvas=~colored,
        regions=numbered,
        region_colors=region_means(numbered, flats.astype(np.float32)),
        shadow=np.abs(shaded - flats).max(axis=-1) > 0.5,
        highlight=highlight,
    )
