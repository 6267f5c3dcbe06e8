"""Flat graphic and vector illustration: shape by shape, each in its final flat colour from the
start, big shapes first, then the small ones; outlines come with their shapes; gradients and
anti-aliased edges settle last."""

from __future__ import annotations

import numpy as np

from paintsundo.procedural.analysis import Layers, region_means
from paintsundo.procedural.behaviours import Behaviours, Roles
from paintsundo.procedural.render import RevealFrames
from paintsundo.procedural.strokes import fill_times, lay_grounds, patch_times
from paintsundo.procedural.timeline import Timeline
from paintsundo.procedural.workflows import Workflow
from paintsundo.procedural.workflows.common import change_idea, stage_clock

OUTLINE_LEVEL = 90.0  # line pixels darker than this in the picture are drawn outlines
BIG_SHARE = 0.8  # the largest shapes, covering this share of the picture, come in the first stage


def schedule(
    layers: Layers, timeline: Timeline, behaviours: Behaviours, rng: np.random.Generator
) -> RevealFrames:
    height, width = layers.regions.shape
    never = np.full((height, width), np.inf, np.float32)
    fill = fill_times(layers.regions, layers.region_colours, rng)
    shape_times, ground_times, ground_mass = lay_grounds(fill, layers.canvas)
    sizes = np.bincount(fill.mass.ravel()).astype(np.float64)
    by_size = np.argsort(-sizes)
    big = np.zeros(len(sizes), bool)
    big[by_size[: int(np.searchsorted(np.cumsum(sizes[by_size]), BIG_SHARE * sizes.sum())) + 1]] = True
    # Each shape's colour is the picture's own: a flat shape is final the moment it goes down.
    big_pixels = big[fill.mass]
    to_frames = stage_clock(timeline)
    first_stage = _stretch(shape_times, big_pixels)
    shapes = np.where(
        big_pixels,
        to_frames("shapes", first_stage(shape_times)),
        to_frames("details", _stretch(shape_times, ~big_pixels)(shape_times)),
    ).astype(np.float32)
    shapes[layers.canvas] = np.inf
    grounds = to_frames("shapes", first_stage(ground_times))  # only big masses lay grounds
    finish_times = patch_times(np.zeros((height, width), np.float32), rng, cells=10, spread=1.0)
    return RevealFrames(
        sketch=never,
        sketch_darkening=np.zeros_like(layers.picture),
        ink=np.where(_outlines(layers), shapes, np.inf).astype(np.float32),
        ground=grounds,
        ground_colour=region_means(fill.mass, layers.picture)[ground_mass],
        flat=shapes,
        flat_colour=layers.picture,
        shading=never,
        shading_colour=layers.picture,
        detail=to_frames("finish", finish_times),
        wrong_idea=change_idea(layers, behaviours, shape_times, shapes),
    )


def _outlines(layers: Layers) -> np.ndarray:
    """Drawn outlines, which come with their shapes: line pixels that are dark in the picture itself
    (a flat shape's edge against a lighter one is no outline) (h w bool)."""
    return (layers.ink > 0) & (layers.picture.mean(axis=-1) < OUTLINE_LEVEL)


def _stretch(times: np.ndarray, chosen: np.ndarray):
    """A map that stretches the chosen pixels' span of times over [0, 1), keeping their order."""
    finite = chosen & np.isfinite(times)
    low, high = (times[finite].min(), times[finite].max()) if finite.any() else (0.0, 1.0)

    def stretched(values: np.ndarray) -> np.ndarray:
        scaled = np.clip((values - low) / max(high - low, 1e-6), 0.0, 0.999)
        return np.where(np.isfinite(values), scaled, np.inf).astype(np.float32)

    return stretched


WORKFLOW = Workflow(
    name="graphic",
    summary="flat graphics: big shapes in their final colours, then small ones, then the finish",
    stages=("shapes", "details", "finish"),
    weights=(0.52, 0.42, 0.06),  # flat art has little left to finish: a short last stage
    roles=Roles(lines=None, colour="shapes", rendering="details"),
    schedule=schedule,
    habits=frozenset({"flip", "transform", "change_of_idea"}),
)
