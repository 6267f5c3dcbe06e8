"""Colouring one's own line art, forwards: the lines drawn in order (the sketch's own pixels), then
flat colours region by region, shadows, and the highlights last. Its layers are known, not estimated:
they come from the colourist."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from paintsundo.undo.procedural import WORKFLOW_STAGES
from paintsundo.undo.procedural.analysis import Layers, region_means
from paintsundo.undo.procedural.behaviours import Behaviours, Roles
from paintsundo.undo.procedural.render import RevealFrames
from paintsundo.undo.procedural.strokes import fill_times, patch_times, stroke_times
from paintsundo.undo.procedural.timeline import Timeline
from paintsundo.undo.procedural.workflows import Workflow
from paintsundo.undo.procedural.workflows.common import change_idea, spread_to_edges, stage_clock

VISIBLE_INK = 0.2  # line opacity from which a pixel belongs to a stroke (fainter ones are its edge)


@dataclass(frozen=True)
class ColouringLayers(Layers):
    """The analysis's layers, plus what only a colourist knows: the lines' own colour and where the
    shadows and the highlights are."""

    ink_colour: np.ndarray  # h w 3 float32
    shadow: np.ndarray  # h w bool
    highlight: np.ndarray  # h w bool


def colouring_layers(
    picture: np.ndarray,
    line_opacity: np.ndarray,
    line_colour: np.ndarray,
    regions: np.ndarray,
    flats: np.ndarray,
    coloured: np.ndarray,
    shaded: np.ndarray,
    highlight: np.ndarray,
) -> ColouringLayers:
    """The layers of a coloured line drawing: the finished picture (h w 3 uint8), the lines'
    opacity (h w) and colour (h w 3), the regions (h w int, any numbering), the flat colours with
    paper where `coloured` is False (h w 3), the flats with their shadows (h w 3), and the
    highlights' mask (h w bool)."""
    height, width = regions.shape
    _, numbered = np.unique(regions, return_inverse=True)
    numbered = numbered.reshape(height, width).astype(np.int32)
    flat = flats.astype(np.float32)
    no_sketch = np.zeros((height, width), np.float32)
    return ColouringLayers(
        picture=picture.astype(np.float32),
        ink=line_opacity.astype(np.float32),
        sketch=no_sketch,
        sketch_fine=np.zeros((height, width), bool),
        sketch_darkening=np.zeros((height, width, 3), np.float32),
        canvas=~coloured,
        regions=numbered,
        region_colours=region_means(numbered, flat),
        flat=flat,
        shaded=shaded.astype(np.float32),
        ink_colour=line_colour.astype(np.float32),
        shadow=np.abs(shaded - flats).max(axis=-1) > 0.5,
        highlight=highlight,
    )


def schedule(
    layers: Layers, timeline: Timeline, behaviours: Behaviours, rng: np.random.Generator
) -> RevealFrames:
    """From which frame each pixel of each layer is painted."""
    if not isinstance(layers, ColouringLayers):
        raise TypeError("the colouring workflow colours known layers: build them with colouring_layers")
    height, width = layers.ink.shape
    cell = max(4, round(max(height, width) / 16))
    lined = layers.ink > 0
    # The faintest marks (paper grain, a smudge) go on with the stage's last strokes, unless a stroke
    # beside them takes them along.
    ink_times = stroke_times(layers.ink > VISIBLE_INK, rng, cell)
    ink_times[lined & np.isinf(ink_times)] = 1.0
    # Each region filled on its own, no ground laid under the figure: a colourist fills the regions
    # the lines enclose, where a painter would block in the background across them.
    fill = fill_times(layers.regions, layers.region_colours, rng, layers.canvas)
    flat_times = np.where(layers.canvas, np.inf, fill.times).astype(np.float32)
    order = rng.permutation(layers.region_count).astype(np.float32) / max(1, layers.region_count)
    shading_times = np.where(
        layers.shadow, patch_times(order[layers.regions], rng, cells=14, spread=0.35), np.inf
    )
    highlight_times = patch_times(order[layers.regions], rng, cells=10, spread=0.5)

    to_frames = stage_clock(timeline)
    ink = spread_to_edges(to_frames("lineart", ink_times), lined)
    flat = to_frames("flat", flat_times)
    last = np.float32(timeline.frames - 1)
    # Everything not highlighted is already finished by then; the last frame is the picture itself.
    detail = np.where(layers.highlight, to_frames("highlights", highlight_times), last)
    return RevealFrames(
        sketch=np.full((height, width), np.inf, np.float32),
        sketch_darkening=layers.sketch_darkening,
        ink=ink.astype(np.float32),
        ground=np.full((height, width), np.inf, np.float32),
        ground_colour=layers.flat,
        flat=flat,
        flat_colour=layers.flat,
        shading=to_frames("shading", shading_times.astype(np.float32)),
        shading_colour=layers.shaded,
        detail=detail.astype(np.float32),
        wrong_idea=change_idea(layers, behaviours, flat_times, flat),
        ink_coverage=layers.ink,
        ink_colour=layers.ink_colour,
    )


WORKFLOW = Workflow(
    name="colouring",
    summary="colouring one's own line art: the lines in order, flat colours, shadows, highlights",
    stages=WORKFLOW_STAGES["colouring"],
    weights=(0.3, 0.3, 0.22, 0.18),
    roles=Roles(lines="lineart", colour="flat", rendering="shading"),
    schedule=schedule,
)
