"""Painting (digital, oil, acrylic, watercolour): no line art. A toned ground, then the big masses
blocked in back to front in their rough colours, then forms turned, details placed, and a last
pass of accents (the strongest lights and darks)."""

from __future__ import annotations

import cv2
import numpy as np

from paintsundo.procedural.analysis import REFERENCE_SIDE, Layers, region_means
from paintsundo.procedural.behaviours import Behaviours, Roles
from paintsundo.procedural.render import RevealFrames
from paintsundo.procedural.strokes import Fill, fill_times, patch_times, rank_within, sequence
from paintsundo.procedural.timeline import Timeline
from paintsundo.procedural.workflows import Workflow
from paintsundo.procedural.workflows.common import change_idea, stage_clock

WASH_SHARE = 0.2  # the first fifth of the block-in tones the whole canvas


def schedule(
    layers: Layers, timeline: Timeline, behaviours: Behaviours, rng: np.random.Generator
) -> RevealFrames:
    height, width = layers.regions.shape
    scale = max(height, width) / REFERENCE_SIDE
    never = np.full((height, width), np.inf, np.float32)
    fill = depth_ordered(fill_times(layers.regions, layers.region_colours, rng), layers)
    # A thin wash of the picture's broad colour, swept down the canvas, so nothing shows bare white;
    # then the masses in their rough colours.
    wash_colour = 0.5 * (255.0 + cv2.GaussianBlur(layers.picture, (0, 0), max(8.0, 40.0 * scale)))
    rows = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None]
    sweep = 0.85 * rows + 0.15 * patch_times(np.zeros((height, width), np.float32), rng, cells=6, spread=1.0)
    wash_times = (WASH_SHARE * sweep).astype(np.float32)
    block_times = WASH_SHARE + (1.0 - WASH_SHARE) * fill.times
    for times in (block_times, wash_times):
        times[layers.canvas] = np.inf
    # Forms: the picture softened, large regions first; then the picture itself. The far half of
    # the picture is finished first; the near half, where the eye goes, is turned and refined last.
    sizes = np.bincount(layers.regions.ravel(), minlength=layers.region_count).astype(np.float32)
    large_first = 1.0 - rank_within(np.zeros(len(sizes), np.int8), sizes)
    form_times = patch_times(large_first[layers.regions], rng, cells=10, spread=0.5)
    by_region = nearness(layers.regions, layers.picture)[layers.regions]
    near = by_region >= np.median(by_region)
    # Each half's forms spread over all of its stage.
    form_times = rank_within(near.ravel().astype(np.int8), form_times.ravel()).reshape(height, width)
    form_times[layers.canvas] = np.inf
    detail_times = patch_times(np.zeros((height, width), np.float32), rng, cells=12, spread=1.0)

    to_frames = stage_clock(timeline)
    block = to_frames("block-in", block_times)
    forms = np.where(near, to_frames("details", 0.5 * form_times), to_frames("forms", form_times))
    last = near | _accents(layers)
    detail = np.where(last, to_frames("accents", detail_times), to_frames("details", detail_times))
    return RevealFrames(
        sketch=never,
        sketch_darkening=np.zeros_like(layers.picture),
        ink=never,
        ground=to_frames("block-in", wash_times),
        ground_colour=wash_colour.astype(np.float32),
        flat=block,
        flat_colour=layers.flat,  # each region in one rough colour: a posterised block-in
        shading=forms.astype(np.float32),
        shading_colour=cv2.GaussianBlur(layers.picture, (0, 0), max(1.0, 3.0 * scale)),
        detail=detail.astype(np.float32),
        wrong_idea=change_idea(layers, behaviours, block_times, block),
    )


def nearness(labels: np.ndarray, picture: np.ndarray) -> np.ndarray:
    """How near each labelled area looks, per label: low, saturated, sharp and small areas are near,
    as far things are high, greyed by the air, soft and broad."""
    count = int(labels.max()) + 1
    ys = np.mgrid[0 : labels.shape[0], 0 : labels.shape[1]][0].astype(np.float64)
    sizes = np.maximum(np.bincount(labels.ravel(), minlength=count), 1).astype(np.float64)
    low = np.bincount(labels.ravel(), ys.ravel(), count) / sizes / labels.shape[0]
    colours = region_means(labels, picture)
    saturation = (colours.max(axis=1) - colours.min(axis=1)) / 255.0
    sharpness = np.abs(cv2.Laplacian(cv2.cvtColor(picture, cv2.COLOR_RGB2GRAY), cv2.CV_32F))
    detail = np.bincount(labels.ravel(), sharpness.ravel(), count) / sizes
    return low + saturation + detail / (detail.max() + 1e-6) - 0.5 * sizes / sizes.max()


def depth_ordered(fill: Fill, layers: Layers) -> Fill:
    """The masses re-ordered back to front: far and large ones first."""
    order = np.argsort(nearness(fill.mass, layers.picture))
    sizes = np.maximum(np.bincount(fill.mass.ravel(), minlength=len(fill.starts)), 1).astype(np.float64)
    durations = sizes**0.6
    starts = sequence(order, durations)
    progress = (fill.times - fill.starts[fill.mass]) / np.maximum(fill.durations[fill.mass], 1e-9)
    durations = durations / durations.sum()
    times = (starts[fill.mass] + durations[fill.mass] * np.clip(progress, 0.0, 1.0)).astype(np.float32)
    return Fill(times, fill.mass, fill.seeds, fill.brush, starts, durations)


def _accents(layers: Layers) -> np.ndarray:
    """The strongest lights and darks against their surroundings: the last strokes (h w bool)."""
    grey = cv2.cvtColor(layers.picture, cv2.COLOR_RGB2GRAY)
    around = cv2.GaussianBlur(grey, (0, 0), 6.0)
    contrast = np.abs(grey - around)
    return contrast >= np.percentile(contrast, 85)


WORKFLOW = Workflow(
    name="painting",
    summary="painting: toned ground, masses back to front, forms, details, accents",
    stages=("block-in", "forms", "details", "accents"),
    weights=(0.34, 0.28, 0.22, 0.16),
    roles=Roles(lines=None, colour="block-in", rendering="forms"),
    schedule=schedule,
    habits=frozenset({"flip", "color_curve", "transform", "change_of_idea"}),
)
