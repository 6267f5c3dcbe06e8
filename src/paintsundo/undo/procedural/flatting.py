"""Colour by regions, as a cel colourist lays it: one flat colour per region, bucket-filled under
the lines in its final hue; then shadows as hard-edged shapes in a darker tone of the flat, and
highlights in a lighter one, region by region."""

from __future__ import annotations

import cv2
import numpy as np

from paintsundo.undo.procedural.marks import Area, Mark, fill

TONE_STEP = 7.0  # a pixel this much darker (or lighter) than its flat, in CIELAB L*, is shadow (light)
SMALLEST_TONE = 0.015  # a tone shape smaller than this share of its region (and 30 px) is left to the finish
SAME_HUE = 8.0  # a smaller touching region this close in CIELAB a* b* ...
SHADOW_LIGHTNESS_DROP = 30.0  # ... and at most this much darker in L* is its shadow,
LIGHT_LIGHTNESS_RISE = 12.0  # or at most this much lighter its light


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
    picture: np.ndarray, regions: np.ndarray, colors: np.ndarray, order: np.ndarray, darker: bool
) -> tuple[list[Mark], list[float]]:
    """Per region (in `order`), its shadow (or light) as one hard-edged shape in one tone: where
    the picture is a step darker (lighter) than the flat, cleaned of specks."""
    shade = lightness(picture)
    flat_l = lightness(colors[None].astype(np.float32))[0]
    side = max(picture.shape[:2])
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (max(3, side // 160) | 1,) * 2)
    marks, efforts = [], []
    for region in order:
        mask = regions == region
        size = int(mask.sum())
        if size < 30:
            continue
        step = flat_l[region] - shade if darker else shade - flat_l[region]
        tone = ((step > TONE_STEP) & mask).astype(np.uint8)
        tone = cv2.morphologyEx(cv2.morphologyEx(tone, cv2.MORPH_OPEN, kernel), cv2.MORPH_CLOSE, kernel) > 0
        tone &= mask
        if tone.sum() < max(30, SMALLEST_TONE * size):
            continue
        color = np.median(picture[tone], axis=0)
        marks.append(fill(Area.from_mask(tone), color, 0))
        efforts.append(float(np.sqrt(tone.sum())) + 10.0)
    return marks, efforts
