"""Colour by regions, as a cel colourist lays it: one flat colour per region, bucket-filled under
the lines in its final hue; then shadows as hard-edged shapes in a darker tone of the flat (and a
core shadow darker again), and lights in a lighter one (and highlights), region by region, each
piece lassoed and laid in a few sweeps of a flat brush."""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np
from skimage.measure import regionprops

from paintsundo.undo.procedural.marks import Area, Mark, fill

TONE_STEP = 7.0  # a pixel this much darker (or lighter) than its flat, in CIELAB L*, is shadow (light)
SMALLEST_TONE = 0.015  # a tone shape smaller than this share of its region (and 30 px) is left to the finish
SAME_HUE = 8.0  # a smaller touching region this close in CIELAB a* b* ...
SHADOW_LIGHTNESS_DROP = 30.0  # ... and at most this much darker in L* is its shadow,
LIGHT_LIGHTNESS_RISE = 12.0  # or at most this much lighter its light
TONE_LEVELS = 2  # a shadow and its core shadow (a light and its highlight), where the picture has them
BRUSH_SHARE = 1 / 40  # a colourist's flat brush for shadows, this share of the picture's long side
TONE_PICK = 1.0  # picking a tone and moving to a piece takes as long as brushing a brush-wide square


def lightness(picture: np.ndarray) -> np.ndarray:
    """CIELAB L* (h w float32, 0..100) of an RGB picture (0..255)."""
    return cv2.cvtColor(picture.astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab)[..., 0]


def one_flat_per_color(regions: np.ndarray, colors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A region's own shadows and lights taken into it: a smaller touching region of the same hue
    (a fold's shadow, a sheen) a little darker or lighter is part of one flat, which keeps the
    larger region's colour. No chains: a region taken in takes in nothing. (regions, colours)."""
    lab = cv2.cvtColor(colors[None].astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab)[0]
    pairs = np.concatenate(
        [
            np.stack([regions[:, :-1].ravel(), regions[:, 1:].ravel()], axis=1),
            np.stack([regions[:-1].ravel(), regions[1:].ravel()], axis=1),
        ]
    )
    pairs = np.unique(np.sort(pairs[pairs[:, 0] != pairs[:, 1]], axis=1), axis=0)
    sizes = np.bincount(regions.ravel(), minlength=len(colors))
    owner = np.arange(len(colors))
    taken = np.zeros(len(colors), bool)
    for region in np.argsort(-sizes):
        if taken[region]:
            continue
        neighbours = np.concatenate([pairs[pairs[:, 0] == region, 1], pairs[pairs[:, 1] == region, 0]])
        for other in neighbours[(sizes[neighbours] < sizes[region]) & ~taken[neighbours]]:
            hue = np.linalg.norm(lab[other, 1:] - lab[region, 1:])
            step = lab[other, 0] - lab[region, 0]
            if (
                hue < SAME_HUE
                and -SHADOW_LIGHTNESS_DROP < step < LIGHT_LIGHTNESS_RISE
                and owner[other] == other
            ):
                owner[other], taken[other] = region, True
        taken[region] = True  # what it did not take, stays its own
    _, merged = np.unique(owner, return_inverse=True)
    flats = np.zeros((merged.max() + 1, 3), np.float32)
    flats[merged[owner == np.arange(len(colors))]] = colors[owner == np.arange(len(colors))]
    return merged[regions].astype(np.int32), flats


def flat_fills(
    regions: np.ndarray, colors: np.ndarray, order: np.ndarray, reserved: np.ndarray | None = None
) -> tuple[list[Mark], list[float]]:
    """A bucket fill per region (in `order`), in its flat colour, and the effort of each; a region
    that is mostly bare paper is not filled."""
    marks, efforts = [], []
    for region in order:
        mask = regions == region
        if reserved is not None:
            if reserved[mask].mean() > 0.5:
                continue
            mask &= ~reserved
        if not mask.any():
            continue
        marks.append(fill(Area.from_mask(mask), colors[region], 0))
        efforts.append(float(np.sqrt(mask.sum())) + 10.0)
    return marks, efforts


def tone_fills(
    picture: np.ndarray,
    regions: np.ndarray,
    colors: np.ndarray,
    order: np.ndarray,
    darker: bool,
    reserved: np.ndarray | None = None,
) -> tuple[list[Mark], list[float]]:
    """Per region (in `order`), its shadow (or light) as hard-edged shapes in one tone, where the
    picture is a step darker (lighter) than the flat; then, within it, where the picture is a step
    darker (lighter) again, a second tone: the core shadow, or the highlight. Each tone is laid as a
    lasso per piece of it (see `tone_shapes`), and the effort of each; like the flats, tones go
    round `reserved` paper (h w bool)."""
    shade = lightness(picture)
    flat_l = lightness(colors[None].astype(np.float32))[0]
    side = max(picture.shape[:2])
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (max(3, side // 160) | 1,) * 2)
    boxes = region_boxes(regions, margin=2 * kernel.shape[0])  # room for the cleaning
    marks, efforts = [], []
    for region in order:
        if region not in boxes:
            continue
        box = boxes[region]
        within = regions[box] == region
        size, reference = int(within.sum()), float(flat_l[region])
        if reserved is not None:
            within &= ~reserved[box]
        for _ in range(TONE_LEVELS):
            step = reference - shade[box] if darker else shade[box] - reference
            tone = (step > TONE_STEP) & within
            tone = cv2.morphologyEx(
                cv2.morphologyEx(tone.astype(np.uint8), cv2.MORPH_OPEN, kernel), cv2.MORPH_CLOSE, kernel
            )
            tone = (tone > 0) & within
            if tone.sum() < max(30, SMALLEST_TONE * size):
                break
            color = np.median(picture[box][tone], axis=0)
            shapes, work = tone_shapes(tone, color, side, (box[0].start, box[1].start))
            marks += shapes
            efforts += work
            within, reference = tone, float(lightness(color[None, None])[0, 0])
    return marks, efforts


def region_boxes(regions: np.ndarray, margin: int = 0) -> dict[int, tuple[slice, slice]]:
    """Each region's bounding box (rows, columns), found in one pass, `margin` pixels wider each
    side within the canvas."""
    height, width = regions.shape
    boxes = {}
    for prop in regionprops(regions + 1):
        top, left, bottom, right = prop.bbox
        rows = slice(max(top - margin, 0), min(bottom + margin, height))
        boxes[prop.label - 1] = rows, slice(max(left - margin, 0), min(right + margin, width))
    return boxes


def tone_shapes(
    tone: np.ndarray, color: np.ndarray, side: int, corner: tuple[int, int] = (0, 0)
) -> tuple[list[Mark], list[float]]:
    """A tone (h w bool, its top left at `corner` on the canvas) in one colour as a colourist lays
    it: a lasso fill per piece big enough to outline, the specks left over dabbed in together; each
    effort the area the brush covers, in squares of a brush of BRUSH_SHARE of the picture's `side`
    (a flat brush covers a steady area a moment, so each frame of the stage gets about as much of
    the shading)."""
    brush = max(3.0, BRUSH_SHARE * side)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(tone.astype(np.uint8), connectivity=8)
    big = [label for label in range(1, count) if stats[label, cv2.CC_STAT_AREA] >= brush * brush]
    areas = []
    for label in big:
        left, top, width, height = (int(value) for value in stats[label, :4])
        piece = labels[top : top + height, left : left + width] == label
        areas.append(Area.from_box(corner[0] + top, corner[1] + left, piece))
    specks = tone & ~np.isin(labels, big)
    if specks.any():
        dabs = Area.from_mask(specks)
        areas.append(replace(dabs, top=corner[0] + dabs.top, left=corner[1] + dabs.left))
    marks = [fill(area, color, 0) for area in areas]
    return marks, [TONE_PICK + area.pixels / brush**2 for area in areas]


def in_sweeps(marks: list[Mark], side: int) -> list[Mark]:
    """Timed fills that span frames laid as a flat brush of BRUSH_SHARE of the picture's `side`
    fills a shape: strokes along the piece's long axis, to and fro, each beside the last, as many
    as the brush needs to cover it across; a big shape grows stroke by stroke, frame by frame."""
    brush = max(3.0, BRUSH_SHARE * side)
    swept = []
    for mark in marks:
        area = mark.area
        if area is None or int(np.floor(mark.end)) == int(np.floor(mark.start)):
            swept.append(mark)  # laid within one frame: how it went down never shows
            continue
        arrival = _brushed(area.mask, brush)
        swept.append(replace(mark, area=Area(area.top, area.left, area.mask, arrival)))
    return swept


def _brushed(mask: np.ndarray, brush: float) -> np.ndarray:
    """When a brush filling `mask` (h w bool) reaches each pixel (h w float32, 0..1): strokes along
    its long axis (from its second moments), one brush width apart across it, alternately there
    and back."""
    moments = cv2.moments(mask.astype(np.uint8), binaryImage=True)
    angle = 0.5 * np.arctan2(2.0 * moments["mu11"], moments["mu20"] - moments["mu02"])
    ys, xs = np.mgrid[0 : mask.shape[0], 0 : mask.shape[1]].astype(np.float32)
    along = xs * np.cos(angle) + ys * np.sin(angle)
    across = ys * np.cos(angle) - xs * np.sin(angle)

    def spread(values: np.ndarray) -> np.ndarray:  # 0..1 over the mask's extent
        low, high = float(values[mask].min()), float(values[mask].max())
        return np.clip((values - low) / max(high - low, 1e-6), 0.0, 1.0)

    strokes = max(1, int(np.ceil(float(np.ptp(across[mask])) / brush)))
    stroke = np.minimum(np.floor(spread(across) * strokes), strokes - 1)
    reach = spread(along)
    reach = np.where(stroke % 2 == 1, 1.0 - reach, reach)  # back the other way
    return ((stroke + reach) / strokes).astype(np.float32)
