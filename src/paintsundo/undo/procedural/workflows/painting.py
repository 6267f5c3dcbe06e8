"""Painting (digital, oil, acrylic, watercolour): no line art. A toned ground, then the big masses
blocked in back to front in their rough colours, then the forms turned, the far parts first and the
near parts, where the eye goes, in focus last; then a last pass over the whole canvas: edges
sharpened, colours deepened, the strongest lights and darks placed."""

from __future__ import annotations

import cv2
import numpy as np

from paintsundo.undo.procedural import WORKFLOW_STAGES
from paintsundo.undo.procedural.analysis import REFERENCE_SIDE, Layers, region_means
from paintsundo.undo.procedural.behaviours import Behaviours, Roles
from paintsundo.undo.procedural.masses import paint_masses
from paintsundo.undo.procedural.render import RevealFrames
from paintsundo.undo.procedural.strokes import Fill, fill_times, patch_times, rank_within, sequence
from paintsundo.undo.procedural.timeline import Timeline
from paintsundo.undo.procedural.workflows import Workflow
from paintsundo.undo.procedural.workflows.common import change_idea, stage_clock

WASH_SHARE = 0.2  # the first fifth of the block-in tones the whole canvas
BLOCK_TRUE = 0.65  # how far the block-in goes from the wash's colour to each mass's own
TURNED = 0.55  # how far the forms go from the block-in's colour to the picture's before the last pass


def schedule(
    layers: Layers, timeline: Timeline, behaviours: Behaviours, rng: np.random.Generator
) -> RevealFrames:
    height, width = layers.regions.shape
    scale = max(height, width) / REFERENCE_SIDE
    never = np.full((height, width), np.inf, np.float32)
    masses = paint_masses(layers.picture)
    depth = nearness(masses, layers.picture)
    mass_colours = region_means(masses, layers.picture)
    fill = depth_ordered(fill_times(masses, mass_colours, rng, layers.canvas, merge_like=False), depth)
    # A thin wash of the picture's broad colour, swept down the canvas, so nothing shows bare white;
    # then the masses in their rough colours, with soft edges.
    wash_colour = 0.5 * (255.0 + cv2.GaussianBlur(layers.picture, (0, 0), max(8.0, 40.0 * scale)))
    rows = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None]
    sweep = 0.85 * rows + 0.15 * patch_times(np.zeros((height, width), np.float32), rng, cells=6, spread=1.0)
    wash_times = (WASH_SHARE * sweep).astype(np.float32)
    block_times = WASH_SHARE + (1.0 - WASH_SHARE) * fill.times
    # Each mass in one approximate colour: its mean, still partly the wash's, with soft edges.
    block_colour = cv2.GaussianBlur(
        BLOCK_TRUE * mass_colours[masses] + (1.0 - BLOCK_TRUE) * wash_colour, (0, 0), max(1.0, 3.0 * scale)
    )
    # The far half's forms are turned large masses first; the near half keeps its block-in until
    # the focus stage turns it mass by mass, back to front.
    near = near_half(masses, depth, layers.canvas)[masses]
    sizes = np.bincount(masses.ravel()).astype(np.float32)
    large_first = 1.0 - rank_within(np.zeros(len(sizes), np.int8), sizes)
    far_times = patch_times(large_first[masses], rng, cells=10, spread=0.5)
    far_times = rank_within(near.ravel().astype(np.int8), far_times.ravel()).reshape(height, width)
    focus_times = one_after_another(masses, depth, near, rng)
    last_pass = patch_times(np.zeros((height, width), np.float32), rng, cells=12, spread=1.0)

    to_frames = stage_clock(timeline)
    block = to_frames("block-in", block_times)
    forms = np.where(near, to_frames("focus", focus_times), to_frames("forms", far_times))
    detail = to_frames("accents", last_pass)
    for times in (wash_times, block, forms):  # the last pass still brings a near-white canvas exact
        times[layers.canvas] = np.inf
    return RevealFrames(
        sketch=never,
        sketch_darkening=np.zeros_like(layers.picture),
        ink=never,
        ground=to_frames("block-in", wash_times),
        ground_colour=wash_colour.astype(np.float32),
        flat=block,
        flat_colour=block_colour,
        shading=forms.astype(np.float32),
        shading_colour=_turned(layers.picture, block_colour, scale),
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


def near_half(masses: np.ndarray, depth: np.ndarray, canvas: np.ndarray) -> np.ndarray:
    """Per mass, whether it is in the nearer half of the picture's painted (not bare canvas) area;
    the farther half holds at least one mass, if there are two."""
    sizes = np.bincount(masses[~canvas], minlength=len(depth)).astype(np.float64)
    order = np.argsort(depth)
    middles = np.cumsum(sizes[order]) - sizes[order] / 2
    near = np.ones(len(depth), bool)
    near[order[middles < sizes.sum() / 2]] = False
    if near.all() and len(depth) > 1:
        near[order[0]] = False
    return near


def depth_ordered(fill: Fill, depth: np.ndarray) -> Fill:
    """The masses re-ordered back to front by their `depth` (nearness per mass)."""
    sizes = np.maximum(np.bincount(fill.mass.ravel(), minlength=len(fill.starts)), 1).astype(np.float64)
    durations = np.where(fill.durations > 0, sizes**0.6, 0.0)  # bare canvas still takes no time
    starts = sequence(np.argsort(depth), durations)
    progress = (fill.times - fill.starts[fill.mass]) / np.maximum(fill.durations[fill.mass], 1e-9)
    durations = durations / durations.sum()
    times = (starts[fill.mass] + durations[fill.mass] * np.clip(progress, 0.0, 1.0)).astype(np.float32)
    return Fill(times, fill.mass, fill.seeds, fill.brush, starts, durations)


def one_after_another(
    masses: np.ndarray, depth: np.ndarray, chosen: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Times in [0, 1) for turning the chosen pixels' masses one after another, farthest first, in
    blotches, each for a time in proportion to its size (h w)."""
    sizes = np.bincount(masses[chosen], minlength=len(depth)).astype(np.float64)
    starts = sequence(np.argsort(depth), sizes)
    durations = sizes / max(sizes.sum(), 1.0)
    within = patch_times(np.zeros(masses.shape, np.float32), rng, cells=16, spread=1.0)
    return (starts[masses] + durations[masses] * within).astype(np.float32)


def _turned(picture: np.ndarray, block_colour: np.ndarray, scale: float) -> np.ndarray:
    """The forms before the last pass: softened, and their values not yet pushed as far from the
    block-in as they end (h w 3)."""
    soft = cv2.GaussianBlur(picture, (0, 0), max(1.0, 3.0 * scale))
    return (block_colour + TURNED * (soft - block_colour)).astype(np.float32)


WORKFLOW = Workflow(
    name="painting",
    summary="painting: toned ground, masses back to front, forms, the near parts in focus, a last pass",
    stages=WORKFLOW_STAGES["painting"],
    weights=(0.26, 0.22, 0.3, 0.22),
    roles=Roles(lines=None, colour="block-in", rendering="forms"),
    schedule=schedule,
    habits=frozenset({"flip", "color_curve", "transform", "change_of_idea"}),
)
