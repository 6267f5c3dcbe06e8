"""Layers derived from a coloured picture that came without them (a neural colourist's): per region,
its flat colour, and where the picture is darker or lighter than that, its shading."""

from __future__ import annotations

import numpy as np

SHADING_STEP = 12.0  # levels of luma: nearer the region's median than this, a pixel is its flat colour


def split_shading(
    picture: np.ndarray, regions: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(flats, shadows, shadow opacity, highlights, highlight opacity) of an RGB picture (h w 3)
    over its regions (h w int): laid over one another they give the picture back exactly."""
    colors = picture.astype(np.float32)
    luma = colors @ np.array([0.299, 0.587, 0.114], np.float32)
    count = int(regions.max()) + 1
    order = np.argsort(regions.ravel(), kind="stable")
    starts = np.searchsorted(regions.ravel()[order], np.arange(count))
    ends = np.append(starts[1:], regions.size)
    medians = np.zeros((count, 3), np.float32)
    flat_rows = colors.reshape(-1, 3)[order]
    for region in range(count):
        if ends[region] > starts[region]:
            medians[region] = np.median(flat_rows[starts[region] : ends[region]], axis=0)
    flat = medians[regions]
    difference = luma - flat @ np.array([0.299, 0.587, 0.114], np.float32)
    darker, lighter = difference < -SHADING_STEP, difference > SHADING_STEP
    flats = np.where((darker | lighter)[..., None], flat, colors)
    return flats, colors, darker.astype(np.float32), colors, lighter.astype(np.float32)
