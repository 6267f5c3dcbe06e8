"""Cel and line-art illustration (anime, comics): rough sketch, clean lines, flat colours per
region, soft shadows, then the lights, highlights and the picture's own detail."""

from __future__ import annotations

import numpy as np

from paintsundo.undo.procedural import WORKFLOW_STAGES
from paintsundo.undo.procedural.analysis import SKETCH_COLOUR, Layers, region_means
from paintsundo.undo.procedural.behaviours import Behaviours, Roles
from paintsundo.undo.procedural.construction import construction_marks
from paintsundo.undo.procedural.masses import paint_masses
from paintsundo.undo.procedural.render import RevealFrames
from paintsundo.undo.procedural.strokes import fill_times, lay_grounds, patch_times, stroke_times
from paintsundo.undo.procedural.timeline import Timeline
from paintsundo.undo.procedural.workflows import Workflow
from paintsundo.undo.procedural.workflows.common import change_idea, spread_to_edges, stage_clock

CONSTRUCTION_SHARE = 0.25  # of the sketch stage
CONSTRUCTION_OPACITY = 0.6  # lighter than the sketch's strokes
BACKGROUND_BORDER = 0.2  # a mass along this share of the picture's border is its background


def schedule(
    layers: Layers, timeline: Timeline, behaviours: Behaviours, rng: np.random.Generator
) -> RevealFrames:
    """From which frame each pixel of each layer is painted."""
    height, width = layers.ink.shape
    cell = max(4, round(max(height, width) / 16))

    # Construction first (light ellipses round the figure's masses), then the big shapes, then the
    # finer pass.
    construction = figure_construction(layers, rng)
    construction_times = CONSTRUCTION_SHARE * stroke_times(construction > 0.2, rng, cell)
    sketch_times = stroke_times(layers.sketch > 0.2, rng, cell)
    rough = 1.0 - CONSTRUCTION_SHARE
    sketch_times = CONSTRUCTION_SHARE + rough * np.where(
        layers.sketch_fine, 0.45 + 0.55 * sketch_times, 0.6 * sketch_times
    )
    sketch_times = np.minimum(sketch_times, construction_times)
    sketched = (layers.sketch > 0) | (construction > 0)
    sketch_darkening = np.maximum(
        layers.sketch_darkening, CONSTRUCTION_OPACITY * construction[..., None] * (255.0 - SKETCH_COLOUR)
    )
    ink_times = stroke_times(layers.ink > 0.2, rng, cell)

    fill = fill_times(layers.regions, layers.region_colours, rng, layers.canvas)
    flat_times, ground_times, ground_mass = lay_grounds(fill, layers.canvas)
    shading_times = shadow_times(layers, rng)
    # Bare canvas in the finished picture (a white ground, a transparent area) is never painted.
    flat_times[layers.canvas] = np.inf
    shading_times[layers.canvas] = np.inf
    detail_times = patch_times(np.zeros((height, width), np.float32), rng, cells=12, spread=1.0)

    to_frames = stage_clock(timeline)
    flat = to_frames("flat", flat_times)
    return RevealFrames(
        sketch=spread_to_edges(to_frames("sketch", sketch_times), sketched),
        sketch_darkening=sketch_darkening.astype(np.float32),
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


def figure_construction(layers: Layers, rng: np.random.Generator) -> np.ndarray:
    """Construction ellipses round the picture's main masses that are not its background: not bare
    canvas, and not running along much of the picture's border (h w, 0..1)."""
    masses = paint_masses(layers.picture)
    count = int(masses.max()) + 1
    sizes = np.maximum(np.bincount(masses.ravel(), minlength=count), 1)
    bare = np.bincount(masses.ravel(), layers.canvas.ravel(), count) > 0.5 * sizes
    border = np.concatenate([masses[0], masses[-1], masses[:, 0], masses[:, -1]])
    along_border = np.bincount(border, minlength=count) > BACKGROUND_BORDER * len(border)
    return construction_marks(masses, ~bare & ~along_border, rng)


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
    stages=WORKFLOW_STAGES["cel"],
    weights=(0.14, 0.24, 0.22, 0.22, 0.18),
    roles=Roles(lines="lineart", colour="flat", rendering="shading"),
    schedule=schedule,
)
