"""Flat graphic and vector illustration: shape by shape, each in its final flat colour from the
start, big shapes first, then the small ones; outlines come with their shapes; gradients and
anti-aliased edges settle last."""

from __future__ import annotations

import cv2
import numpy as np

from paintsundo.undo.procedural import WORKFLOW_STAGES
from paintsundo.undo.procedural.analysis import Layers, region_means
from paintsundo.undo.procedural.behaviours import Behaviours, Roles
from paintsundo.undo.procedural.render import RevealFrames
from paintsundo.undo.procedural.strokes import fill_times, lay_grounds, patch_times, rank_within, sequence
from paintsundo.undo.procedural.timeline import Timeline
from paintsundo.undo.procedural.workflows import Workflow
from paintsundo.undo.procedural.workflows.common import change_idea, stage_clock

OUTLINE_LEVEL = 90.0  # line pixels darker than this in the picture are drawn outlines
BIG_SHARE = 0.8  # the largest shapes, covering this share of the picture, come in the first stage
BODY_RADIUS = 0.05  # parts of a big shape thinner than this share of the long side are refined later
MIN_BODY = 0.3  # unless its body would be less than this share of it


def schedule(
    layers: Layers, timeline: Timeline, behaviours: Behaviours, rng: np.random.Generator
) -> RevealFrames:
    height, width = layers.regions.shape
    never = np.full((height, width), np.inf, np.float32)
    fill = fill_times(layers.regions, layers.region_colours, rng, layers.canvas)
    shape_times, ground_times, ground_mass = lay_grounds(fill, layers.canvas, backdrop=True)
    # The backdrop (the largest shape, under the whole picture) goes down before any other shape.
    largest = np.argmax(np.bincount(fill.mass.ravel()))
    backdrop = (fill.mass == largest) & np.isfinite(shape_times)
    backdrop_ground = np.isfinite(ground_times) & (ground_mass == largest)
    shape_times = np.where(backdrop, shape_times - 2.0, shape_times)
    ground_times = np.where(backdrop_ground, ground_times - 2.0, ground_times)
    # The big shapes are the largest ones over the painted (not bare canvas) part of the picture.
    sizes = np.bincount(fill.mass[~layers.canvas], minlength=int(fill.mass.max()) + 1).astype(np.float64)
    by_size = np.argsort(-sizes)
    big = np.zeros(len(sizes), bool)
    big[by_size[: int(np.searchsorted(np.cumsum(sizes[by_size]), BIG_SHARE * sizes.sum())) + 1]] = True
    # Each shape's colour is the picture's own: a flat shape is final the moment it goes down.
    # The big shapes' main bodies go down first; their thin parts (a tail, a spike, a corner) are
    # refined among the small shapes later, larger pieces first.
    body = big[fill.mass] & _bodies(fill.mass, big, max(height, width)) & ~layers.canvas
    to_frames = stage_clock(timeline)
    later = _pieces_in_turn(~body & ~layers.canvas, fill.mass, shape_times, rng)
    # With nothing left to refine (all the shapes are big), the big shapes take the details' time too.
    first_until = "shapes" if np.isfinite(later).any() else "details"
    body_times, ground_times = paced(np.where(body, shape_times, np.inf), ground_times)
    shapes = np.where(
        body, to_frames("shapes", body_times, until=first_until), to_frames("details", later, until="finish")
    ).astype(np.float32)
    shapes[layers.canvas] = np.inf
    grounds = to_frames("shapes", ground_times, until=first_until)  # only big masses lay grounds
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


def _bodies(mass: np.ndarray, big: np.ndarray, long_side: int) -> np.ndarray:
    """Each big shape opened by a disk: its main body, without parts thinner than the disk; a shape
    that is all thin parts (a stroke, a ring) is its own body (h w bool)."""
    radius = max(2, round(BODY_RADIUS * long_side))
    disk = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    bodies = np.zeros(mass.shape, bool)
    for index in np.flatnonzero(big):
        own = (mass == index).astype(np.uint8)
        body = cv2.morphologyEx(own, cv2.MORPH_OPEN, disk) > 0
        bodies |= body if body.sum() >= MIN_BODY * own.sum() else own > 0
    return bodies


def _pieces_in_turn(
    chosen: np.ndarray, mass: np.ndarray, times: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Times in [0, 1) for the chosen pixels, piece by piece (a connected part of one shape), larger
    pieces first, each painted in its own order from `times` (h w, inf elsewhere)."""
    result = np.full(mass.shape, np.inf, np.float32)
    if not chosen.any():
        return result
    pieces = np.zeros(mass.shape, np.int32)
    count = 0
    for index in np.unique(mass[chosen]):
        found, labels = cv2.connectedComponents((chosen & (mass == index)).astype(np.uint8), connectivity=8)
        pieces[labels > 0] = labels[labels > 0] + count
        count += found - 1
    labels = pieces[chosen] - 1
    sizes = np.bincount(labels, minlength=count).astype(np.float64)
    order = np.argsort(-sizes * rng.lognormal(0.0, 0.3, count))
    durations = sizes.copy()  # area at a steady rate: the refinement keeps showing to the end
    starts = sequence(order, durations)
    durations = durations / durations.sum()
    progress = rank_within(labels, times[chosen])
    result[chosen] = (starts[labels] + durations[labels] * progress).astype(np.float32)
    return result


def paced(*times: np.ndarray) -> list[np.ndarray]:
    """The finite times of all the given layers ranked together into [0, 1): their order is kept
    and the gaps left by work done elsewhere are closed, so the stage never stands still."""
    finite = [np.isfinite(layer) for layer in times]
    joined = np.concatenate([layer[where] for layer, where in zip(times, finite, strict=True)])
    ranks = rank_within(np.zeros(len(joined), np.int8), joined)
    paced_times, offset = [], 0
    for layer, where in zip(times, finite, strict=True):
        result = np.full(layer.shape, np.inf, np.float32)
        result[where] = ranks[offset : offset + int(where.sum())]
        offset += int(where.sum())
        paced_times.append(result)
    return paced_times


WORKFLOW = Workflow(
    name="graphic",
    summary="flat graphics: big shapes in their final colours, then small ones, then the finish",
    stages=WORKFLOW_STAGES["graphic"],
    weights=(0.56, 0.36, 0.08),  # flat art has little left to finish: a short last stage
    roles=Roles(lines=None, colour="shapes", rendering="details"),
    schedule=schedule,
    habits=frozenset({"flip", "transform", "change_of_idea"}),
)
