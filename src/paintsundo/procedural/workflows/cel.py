"""Cel and line-art illustration (anime, comics): rough sketch, clean lines, flat colours per
region, soft shadows, then the lights, highlights and the picture's own detail."""

from __future__ import annotations

import numpy as np

from paintsundo.procedural.analysis import Layers, region_means
from paintsundo.procedural.behaviours import Behaviours, Roles
from paintsundo.procedural.render import RevealFrames
from paintsundo.procedural.strokes import fill_times, lay_grounds, patch_times, stroke_times
from paintsundo.procedural.timeline import Timeline
from paintsundo.procedural.workflows import Workflow
from paintsundo.procedural.workflows.common import change_idea, spread_to_edges, stage_clock


def schedule(
    layers: Layers, timeline: Timeline, behaviours: Behaviours, rng: np.random.Generator
) -> RevealFrames:
    """From which frame each pixel of each layer is painted."""
    height, width = layers.ink.shape
    cell = max(4, round(max(height, width) / 16))

    sketch_times = stroke_times(layers.sketch > 0.2, rng, cell)
    # Big shapes in the first pass, the finer pass after them.
    sketch_times = np.where(layers.sketch_fine, 0.45 + 0.55 * sketch_times, 0.6 * sketch_times)
    ink_times = stroke_times(layers.ink > 0.2, rng, cell)

    fill = fill_times(layers.regions, layers.region_colours, rng)
    flat_times, ground_times, ground_mass = lay_grounds(fill, layers.canvas)
    shading_times = shadow_times(layers, rng)
    # Bare canvas in the finished picture (a white ground, a transparent area) is never painted.
    flat_times[layers.canvas] = np.inf
    shading_times[layers.canvas] = np.inf
    detail_times = patch_times(np.zeros((height, width), np.float32), rng, cells=12, spread=1.0)

    to_frames = stage_clock(timeline)
    flat = to_frames("flat", flat_times)
    return RevealFrames(
        sketch=spread_to_edges(to_frames("sketch", sketch_times), layers.sketch > 0),
        sketch_darkening=layers.sketch_darkening,
        ink=spread_to_edges(to_frames("lineart", ink_times), layers.ink > 0),
        ground=to_frames("flat", ground_times),
        ground_colour=region_means(fill.mass, layers.flat)[ground_mass],
        flat=flat,
        flat_colour=layers.flat,
        shading=to_frames("shading", shading_times),
        shading_colour=layers.shaded,
        detail=to_frames("detail", detail_times),
        wrong_idea=change_idea(layers, behaviours, flat_times, flat),
    )


def shadow_times(layers: Layers, rng: np.random.Generator) -> np.ndarray:
    """The shadows, laid in blotches region by region. The lights are left for the last stage, with
    the highlights and the picture's own detail, as an illustrator's last pass brings them."""
    flat_luma = layers.flat.mean(axis=-1)
    shaded_luma = layers.shaded.mean(axis=-1)
    region_order = rng.permutation(layers.region_count).astype(np.float32) / max(1, layers.region_count)
    keys = region_order[layers.regions]
    times = patch_times(keys, rng, cells=14, spread=0.35)
    lights = shaded_luma > flat_luma + 4.0
    return np.where(lights, np.inf, times).astype(np.float32)


WORKFLOW = Workflow(
    name="cel",
    summary="line art: sketch, clean lines, flat colours, shading, highlights",
    stages=("sketch", "lineart", "flat", "shading", "detail"),
    weights=(0.14, 0.24, 0.22, 0.22, 0.18),
    roles=Roles(lines="lineart", colour="flat", rendering="shading"),
    schedule=schedule,
)
