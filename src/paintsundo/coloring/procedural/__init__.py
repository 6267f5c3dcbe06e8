"""The procedural colourist: a line drawing and colour scribbles in, a cel-shaded illustration out,
as separate layers (paper, flats, shadows, highlights, lines). NumPy, OpenCV and scikit-image; no
torch. In the manner of LazyBrush (Sýkora et al. 2009), Krita's Colorize Mask: the lines are barriers,
the scribbles seed the regions between them; only the confident lines bound a colour, not faint
guides or hatching (see `walls`)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from paintsundo.coloring.procedural.derived import split_shading
from paintsundo.coloring.procedural.flats import (
    MIN_HINT_PIXELS,
    absorb_slivers,
    hinted_colors,
    palette_colors,
    reference_palette,
)
from paintsundo.coloring.procedural.hints import NO_HINTS, Hints, read_hints
from paintsundo.coloring.procedural.lighting import PRESETS, SHADINGS, Lighting, check_shading, lighting_for
from paintsundo.coloring.procedural.lines import LineArt, read_lines
from paintsundo.coloring.procedural.outlines import background_regions
from paintsundo.coloring.procedural.regions import divide_between_strokes
from paintsundo.coloring.procedural.shading import shading_masks
from paintsundo.coloring.procedural.tones import light_tones, shadow_tones
from paintsundo.coloring.procedural.walls import regions_between, walls_of

__all__ = [
    "PRESETS",
    "SHADINGS",
    "ColorLayers",
    "Lighting",
    "LineArt",
    "check_shading",
    "colorize_layers",
    "layers_of_picture",
    "lighting_for",
    "read_lines",
]


@dataclass(frozen=True)
class ColorLayers:
    """A coloured line drawing as an illustrator's layers, bottom to top. Colour layers are h w 3
    float32 (0..255) with an opacity each (h w float32, 0..1)."""

    lines: LineArt
    regions: np.ndarray  # h w int32: the region of each pixel
    flats: np.ndarray
    flats_opacity: np.ndarray  # 1 where a region has a colour, 0 where the paper shows
    shadows: np.ndarray
    shadows_opacity: np.ndarray
    highlights: np.ndarray
    highlights_opacity: np.ndarray
    lighting: Lighting | None  # None where the colours came without one (a neural colourist's)

    @property
    def paper(self) -> np.ndarray:
        return np.broadcast_to(self.lines.paper, self.flats.shape)

    def composite(self) -> np.ndarray:
        """The finished picture, RGB uint8 (h w 3): every layer over the paper."""
        canvas = self.colors()
        return np.clip(np.rint(self.lines.over(canvas)), 0, 255).astype(np.uint8)

    def colors(self, highlights: bool = True) -> np.ndarray:
        """Paper, flats, shadows and (unless told otherwise) highlights, without the lines (h w 3
        float32)."""
        return self._over_paper(3 if highlights else 2)

    def flats_on_paper(self) -> np.ndarray:
        """The flat colours over the paper, before any shading (h w 3 float32)."""
        return self._over_paper(1)

    def _over_paper(self, count: int) -> np.ndarray:
        """The first `count` colour layers (flats, shadows, highlights) laid over the paper."""
        canvas = np.array(self.paper, np.float32)
        layers = (
            (self.flats, self.flats_opacity),
            (self.shadows, self.shadows_opacity),
            (self.highlights, self.highlights_opacity),
        )
        for color, opacity in layers[:count]:
            canvas += (color - canvas) * opacity[..., None]
        return canvas


def colorize_layers(
    sketch: np.ndarray,
    hints: np.ndarray | None = None,
    reference: np.ndarray | None = None,
    seed: int = 0,
    shading: str | Lighting = "auto",
) -> ColorLayers:
    """Colour an RGB uint8 sketch (h w 3) from an RGBA hints picture of its size and, for regions
    without a hint, a reference picture's palette (RGB uint8); without either, they stay paper.
    `shading` is a preset's name (see `SHADINGS`) or a Lighting; "auto" draws it from the seed."""
    lighting = lighting_for(shading, seed)
    rng = np.random.default_rng(seed)
    lines = read_lines(sketch)
    strokes = NO_HINTS if hints is None else read_hints(hints, sketch, lines.barrier, lines.paper)
    walls = walls_of(lines)
    labels = regions_between(walls, None if strokes is NO_HINTS else strokes.strokes > 0)
    if strokes is NO_HINTS:
        strokes = Hints(np.zeros(labels.shape, np.int32), NO_HINTS.colors)
    labels = divide_between_strokes(labels, walls.barrier, strokes.strokes, strokes.colors, MIN_HINT_PIXELS)
    colors, given = hinted_colors(labels, strokes)
    palette = None if reference is None else reference_palette(reference, rng)
    if palette is not None:
        colors, given = palette_colors(labels, colors, given, palette, rng)
    flats, colored = absorb_slivers(labels, colors, given, walls.line_width)
    shadow, highlight = shading_masks(labels, given & ~background_regions(labels), lighting)
    return ColorLayers(
        lines=lines,
        regions=labels,
        flats=flats.astype(np.float32),
        flats_opacity=colored.astype(np.float32),
        shadows=shadow_tones(colors, lighting).astype(np.float32)[labels],
        shadows_opacity=shadow,
        highlights=light_tones(colors, lighting).astype(np.float32)[labels],
        highlights_opacity=highlight,
        lighting=lighting,
    )


def layers_of_picture(sketch: np.ndarray, picture: np.ndarray) -> ColorLayers:
    """The layers of a picture coloured without them (RGB uint8, the sketch's size, without the
    sketch's lines): the sketch's lines, and per region of the sketch, flats and shading derived
    from the picture (see `derived.split_shading`); laid over one another, the lines over the picture."""
    lines = read_lines(sketch)
    labels = regions_between(walls_of(lines))
    flats, shadows, shadows_opacity, highlights, highlights_opacity = split_shading(picture, labels)
    everywhere = np.ones(labels.shape, np.float32)
    return ColorLayers(
        lines, labels, flats, everywhere, shadows, shadows_opacity, highlights, highlights_opacity, None
    )


def __getattr__(name: str) -> object:
    """`ColourLayers`, the old name of ColorLayers, for one release."""
    if name == "ColourLayers":
        warnings.warn("ColourLayers is now ColorLayers", DeprecationWarning, stacklevel=2)
        return ColorLayers
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
