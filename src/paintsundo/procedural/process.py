"""The procedural engine: a finished picture in, the frames of a simulated drawing process out."""

from __future__ import annotations

from collections.abc import Iterator

import cv2
import numpy as np

from paintsundo.procedural.analysis import Layers, analyse, region_means
from paintsundo.procedural.behaviours import Behaviours, plan_behaviours
from paintsundo.procedural.render import RevealFrames, render
from paintsundo.procedural.strokes import fill_times, lay_grounds, patch_times, rank_within, stroke_times
from paintsundo.procedural.timeline import (
    BEHAVIOURS,
    DEFAULT_STAGE_WEIGHTS,
    Event,
    Stage,
    Timeline,
    plan_stages,
)


class DrawingProcess:
    """Frame 0 is a blank canvas; the last frame is the picture, pixel for pixel.

    Between them: rough sketch, line art, flat colours, shading, then details, with the artist's
    habits (flipping the canvas, toggling layers, curves, moving a part, changing an idea) on top.
    The same picture, settings and seed give the same frames.
    """

    def __init__(
        self,
        pixels: np.ndarray,
        frames: int,
        seed: int = 0,
        stage_weights: tuple[float, ...] = DEFAULT_STAGE_WEIGHTS,
        behaviours: frozenset[str] = frozenset(BEHAVIOURS),
    ) -> None:
        if pixels.ndim != 3 or pixels.shape[2] != 3 or pixels.dtype != np.uint8:
            raise ValueError(f"expected an RGB uint8 array (h w 3), got {pixels.dtype} {pixels.shape}")
        rng = np.random.default_rng(seed)
        self.timeline: Timeline = plan_stages(frames, stage_weights)
        self.layers: Layers = analyse(pixels, rng)
        self.behaviours: Behaviours = plan_behaviours(self.timeline, self.layers, frozenset(behaviours), rng)
        self.reveal: RevealFrames = schedule_reveals(self.layers, self.timeline, self.behaviours, rng)

    def __len__(self) -> int:
        return self.timeline.frames

    def __iter__(self) -> Iterator[np.ndarray]:
        return (self.frame(index) for index in range(len(self)))

    @property
    def stages(self) -> tuple[Stage, ...]:
        return self.timeline.stages

    @property
    def events(self) -> tuple[Event, ...]:
        return self.behaviours.events

    def stage_at(self, index: int) -> str:
        return self.timeline.stage_at(index)

    def frame(self, index: int) -> np.ndarray:
        """The canvas on frame `index` as RGB uint8 (h w 3)."""
        if not 0 <= index < len(self):
            raise IndexError(f"frame {index} is outside 0..{len(self) - 1}")
        return render(self.layers, self.reveal, self.behaviours, index)


def schedule_reveals(
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
    shading_times = _shading_times(layers, rng)
    # Bare canvas in the finished picture (a white ground, a transparent area) is never painted.
    flat_times[layers.canvas] = np.inf
    shading_times[layers.canvas] = np.inf
    detail_times = patch_times(np.zeros((height, width), np.float32), rng, cells=12, spread=1.0)

    to_frames = _stage_clock(timeline)
    flat = to_frames("flat", flat_times)
    wrong_idea = np.full((height, width), np.inf, np.float32)
    if behaviours.idea is not None:
        idea = behaviours.idea
        region = (layers.regions == idea.region) & ~layers.canvas
        progress = rank_within(np.zeros(int(region.sum()), np.int8), flat_times[region])
        wrong_idea[region] = idea.drawn + 2.0 * progress
        flat[region] = idea.redrawn + 2.0 * progress
    return RevealFrames(
        sketch=_spread_to_edges(to_frames("sketch", sketch_times), layers.sketch > 0),
        ink=_spread_to_edges(to_frames("lineart", ink_times), layers.ink > 0),
        flat=flat,
        ground=to_frames("flat", ground_times),
        ground_colour=region_means(fill.mass, layers.flat)[ground_mass],
        shading=to_frames("shading", shading_times),
        detail=to_frames("detail", detail_times),
        wrong_idea=wrong_idea,
    )


def _stage_clock(timeline: Timeline):
    """Map times in [0, 1) within a stage to frames; the work ends by the stage's last frame."""
    last_frame = timeline.frames - 1

    def to_frames(stage_name: str, times: np.ndarray) -> np.ndarray:
        stage = timeline.stage(stage_name)
        span = max(stage.frames - 1, 0)
        # A stage of one frame (or none) does all its work at once; inf still means "never".
        scaled = times * span if span else np.where(np.isinf(times), np.inf, 0.0)
        return np.minimum(stage.start + scaled, last_frame).astype(np.float32)

    return to_frames


def _spread_to_edges(times: np.ndarray, covered: np.ndarray) -> np.ndarray:
    """Give the faint edge pixels of a stroke the time of the stroke next to them."""
    spread = cv2.erode(times, np.ones((3, 3), np.uint8), iterations=2)
    return np.where(covered, np.minimum(times, spread), np.inf).astype(np.float32)


def _shading_times(layers: Layers, rng: np.random.Generator) -> np.ndarray:
    """The shadows, laid in blotches region by region. The lights are left for the last stage, with
    the highlights and the picture's own detail, as an illustrator's last pass brings them."""
    flat_luma = layers.flat.mean(axis=-1)
    shaded_luma = layers.shaded.mean(axis=-1)
    region_order = rng.permutation(layers.region_count).astype(np.float32) / max(1, layers.region_count)
    keys = region_order[layers.regions]
    times = patch_times(keys, rng, cells=14, spread=0.35)
    lights = shaded_luma > flat_luma + 4.0
    return np.where(lights, np.inf, times).astype(np.float32)
