"""What an illustrator would have made, estimated from the finished picture.

Line art comes from a difference of Gaussians on luminance (the dark side of edges, as in XDoG,
Winnemöller et al. 2012). Flat colours come from a median-cut palette split into connected regions,
of the picture with its ink removed by normalised convolution.
"""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image

REFERENCE_SIDE = 640.0  # sizes below are tuned at this long side and scale with the picture
PALETTE_COLORS = 12
MIN_REGION_FRACTION = 0.0004
CANVAS_LEVEL = 250.0  # a finished pixel this light on every channel is bare canvas: never painted
MARGIN_SPREAD = 6.0  # a border row or column this even (standard deviation, levels) is a margin


def frame_band(picture: np.ndarray, reach: int) -> np.ndarray:
    """Where lines would only trace the picture's frame: a band along its borders and along the inner
    edge of any even margin (a mount or a page's white border), `reach` pixels each side (h w bool)."""
    band = np.zeros(picture.shape[:2], bool)
    across = picture.transpose(1, 0, 2)
    # Each side seen as the top of a flipped or transposed view; the band's views are written through.
    sides = ((picture, band), (picture[::-1], band[::-1]), (across, band.T), (across[::-1], band.T[::-1]))
    for seen, marked in sides:
        size = _margin(seen)  # 0: the border itself
        marked[max(0, size - reach) : size + reach] = True
    return band


def _margin(picture: np.ndarray) -> int:
    """How many rows from the top are a margin: one even colour, ending where the next row departs
    from it across most of its width (a background that a shape merely touches is no margin)."""
    rows = picture[: picture.shape[0] // 4]
    color = rows[0].mean(axis=0)
    even = rows.std(axis=1).max(axis=-1) <= MARGIN_SPREAD
    same = np.abs(rows.mean(axis=1) - color).max(axis=-1) <= MARGIN_SPREAD
    uneven = np.flatnonzero(~(even & same))
    if len(uneven) == 0 or uneven[0] == 0:
        return 0
    departed = np.abs(picture[uneven[0]] - color).max(axis=-1) > 2 * MARGIN_SPREAD
    return int(uneven[0]) if departed.mean() >= 0.6 else 0


def ink_lines(grey: np.ndarray, scale: float) -> np.ndarray:
    """Line-art opacity: where a pixel is darker than its surroundings, weighted by how dark it is."""
    narrow = cv2.GaussianBlur(grey, (0, 0), max(0.4, 0.7 * scale))
    wide = cv2.GaussianBlur(grey, (0, 0), max(0.9, 1.8 * scale))
    ink = np.clip((wide - narrow - 5.0) / 14.0, 0.0, 1.0) * np.clip((200.0 - grey) / 100.0, 0.3, 1.0)
    # Specks of texture are not lines an artist would ink.
    _count, labels, stats, _ = cv2.connectedComponentsWithStats((ink > 0.25).astype(np.uint8), connectivity=8)
    keep = stats[:, cv2.CC_STAT_AREA] >= max(3.0, 12.0 * scale * scale)
    keep[0] = False
    return (ink * keep[labels]).astype(np.float32)


def remove_ink(picture: np.ndarray, ink: np.ndarray, sigma: float) -> np.ndarray:
    """Blur the picture while ignoring ink pixels (normalised convolution), so lines do not bleed."""
    weight = (1.0 - np.clip(ink * 2.0, 0.0, 1.0)) ** 2 + 1e-3
    blurred = cv2.GaussianBlur(picture * weight[..., None], (0, 0), sigma)
    norm = cv2.GaussianBlur(weight, (0, 0), sigma)
    return (blurred / norm[..., None]).astype(np.float32)


def flat_regions(base: np.ndarray) -> np.ndarray:
    """Regions of one palette colour, as int32 labels; specks join the nearest large region."""
    image = Image.fromarray(np.clip(base + 0.5, 0, 255).astype(np.uint8))
    small = image.resize((max(1, image.width // 4), max(1, image.height // 4)), Image.Resampling.BILINEAR)
    palette = small.quantize(colors=PALETTE_COLORS, method=Image.Quantize.MEDIANCUT, kmeans=4)
    color_index = np.asarray(image.quantize(palette=palette, dither=Image.Dither.NONE))
    if min(color_index.shape) >= 5:
        color_index = cv2.medianBlur(color_index, 5)
    min_area = max(4, int(MIN_REGION_FRACTION * color_index.size))
    regions = np.full(color_index.shape, -1, np.int32)
    count = 0
    for value in np.unique(color_index):
        _, parts, stats, _ = cv2.connectedComponentsWithStats(
            (color_index == value).astype(np.uint8), connectivity=4
        )
        large = stats[:, cv2.CC_STAT_AREA] >= min_area
        large[0] = False
        ids = np.cumsum(large, dtype=np.int32) - 1 + count
        chosen = large[parts]
        regions[chosen] = ids[parts][chosen]
        count += int(large.sum())
    return _absorb_specks(regions)


def _absorb_specks(regions: np.ndarray) -> np.ndarray:
    unassigned = regions < 0
    if not unassigned.any():
        return regions
    if unassigned.all():
        return np.zeros_like(regions)
    _, nearest = cv2.distanceTransformWithLabels(
        unassigned.astype(np.uint8), cv2.DIST_L2, 3, labelType=cv2.DIST_LABEL_PIXEL
    )
    # With DIST_LABEL_PIXEL, OpenCV numbers the assigned pixels 1, 2, ... in raster order.
    assigned_ids = regions.ravel()[~unassigned.ravel()]
    lookup = np.concatenate([[0], assigned_ids]).astype(np.int32)
    return np.where(unassigned, lookup[nearest], regions)


def region_means(regions: np.ndarray, image: np.ndarray) -> np.ndarray:
    flat_labels = regions.ravel()
    count = regions.max() + 1
    sizes = np.maximum(np.bincount(flat_labels, minlength=count), 1)
    channels = [np.bincount(flat_labels, image[..., c].ravel(), count) / sizes for c in range(3)]
    return np.stack(channels, axis=1).astype(np.float32)
