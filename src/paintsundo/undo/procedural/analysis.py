"""The layers an illustrator would have made, estimated from the finished picture.

Line art comes from a difference of Gaussians on luminance (the dark side of edges, as in XDoG,
Winnemöller et al. 2012). Flat colours come from a median-cut palette split into connected regions.
Shading is the picture with its ink removed by normalised convolution. The rough sketch is the
edge map of a heavily smoothed picture, drawn twice with a wobble.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

REFERENCE_SIDE = 640.0  # sizes below are tuned at this long side and scale with the picture
PALETTE_COLOURS = 12
MIN_REGION_FRACTION = 0.0004
SKETCH_COLOUR = np.array([92.0, 112.0, 168.0], np.float32)  # a soft blue pencil
CANVAS_LEVEL = 250.0  # a finished pixel this light on every channel is bare canvas: never painted
MARGIN_SPREAD = 6.0  # a border row or column this even (standard deviation, levels) is a margin


@dataclass(frozen=True)
class Layers:
    picture: np.ndarray  # h w 3 float32, 0..255: the finished picture
    ink: np.ndarray  # h w float32, 0..1: opacity of the line art
    sketch: np.ndarray  # h w float32, 0..1: opacity of the rough sketch
    sketch_fine: np.ndarray  # h w bool: sketch pixels of the second, finer pass
    sketch_darkening: np.ndarray  # h w 3 float32: how much the full-opacity sketch darkens white
    canvas: np.ndarray  # h w bool: pixels that are bare canvas in the finished picture
    regions: np.ndarray  # h w int32: flat-colour region of each pixel, 0 .. region_count-1
    region_colours: np.ndarray  # region_count 3 float32
    flat: np.ndarray  # h w 3 float32: each pixel in its region's colour
    shaded: np.ndarray  # h w 3 float32: the picture without its ink

    @property
    def region_count(self) -> int:
        return len(self.region_colours)


def analyse(pixels: np.ndarray, rng: np.random.Generator) -> Layers:
    """Split an RGB uint8 picture (h w 3) into sketch, ink, flat-colour and shading layers."""
    picture = pixels.astype(np.float32)
    scale = max(pixels.shape[:2]) / REFERENCE_SIDE
    grey = cv2.cvtColor(picture, cv2.COLOR_RGB2GRAY)
    frame = frame_band(picture, max(2, round(4 * scale)))
    ink = np.where(frame, 0.0, ink_lines(grey, scale)).astype(np.float32)
    # The shading is blocked in softly; the detail stage brings the picture's own crispness.
    shaded = remove_ink(picture, ink, sigma=max(2.0, 6.0 * scale))
    base = remove_ink(picture, ink, sigma=max(0.8, 2.5 * scale))
    regions = flat_regions(base)
    region_colours = region_means(regions, base)
    sketch, sketch_fine = rough_sketch(base, rng, frame)
    darkening = sketch[..., None] * (255.0 - SKETCH_COLOUR)
    canvas = picture.min(axis=-1) >= CANVAS_LEVEL
    flat = region_colours[regions]
    return Layers(picture, ink, sketch, sketch_fine, darkening, canvas, regions, region_colours, flat, shaded)


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
    colour = rows[0].mean(axis=0)
    even = rows.std(axis=1).max(axis=-1) <= MARGIN_SPREAD
    same = np.abs(rows.mean(axis=1) - colour).max(axis=-1) <= MARGIN_SPREAD
    uneven = np.flatnonzero(~(even & same))
    if len(uneven) == 0 or uneven[0] == 0:
        return 0
    departed = np.abs(picture[uneven[0]] - colour).max(axis=-1) > 2 * MARGIN_SPREAD
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
    palette = small.quantize(colors=PALETTE_COLOURS, method=Image.Quantize.MEDIANCUT, kmeans=4)
    colour_index = np.asarray(image.quantize(palette=palette, dither=Image.Dither.NONE))
    if min(colour_index.shape) >= 5:
        colour_index = cv2.medianBlur(colour_index, 5)
    min_area = max(4, int(MIN_REGION_FRACTION * colour_index.size))
    regions = np.full(colour_index.shape, -1, np.int32)
    count = 0
    for value in np.unique(colour_index):
        _, parts, stats, _ = cv2.connectedComponentsWithStats(
            (colour_index == value).astype(np.uint8), connectivity=4
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


def smooth_noise(shape: tuple[int, int], rng: np.random.Generator, cells: int) -> np.ndarray:
    """Value noise in [0, 1] with about `cells` features along the long side."""
    height, width = shape
    long_side = max(height, width)
    grid = (max(2, round(cells * height / long_side) + 1), max(2, round(cells * width / long_side) + 1))
    coarse = rng.random(grid, dtype=np.float32)
    return cv2.resize(coarse, (width, height), interpolation=cv2.INTER_CUBIC)


def rough_sketch(
    base: np.ndarray, rng: np.random.Generator, frame: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Loose pencil strokes of the big shapes, then of medium ones, none along the picture's frame:
    (opacity h w, finer-pass mask)."""
    grey = cv2.cvtColor(base, cv2.COLOR_RGB2GRAY)
    coarse = np.maximum(_pencil_strokes(grey, 48, 40, rng, frame), _pencil_strokes(grey, 48, 40, rng, frame))
    fine = _pencil_strokes(grey, 100, 60, rng, frame)
    fine_only = (fine > 0) & (coarse == 0)
    return np.maximum(coarse, fine).astype(np.float32) / 255.0, fine_only


def _pencil_strokes(
    grey: np.ndarray, long_side: int, threshold: float, rng: np.random.Generator, frame: np.ndarray
) -> np.ndarray:
    """Edges of the picture seen at `long_side` pixels, redrawn at full size as wobbly strokes (uint8)."""
    height, width = grey.shape
    factor = min(1.0, long_side / max(height, width))
    small_size = (max(8, round(width * factor)), max(8, round(height * factor)))
    small = cv2.resize(grey, small_size, interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (0, 0), 0.8).astype(np.uint8)
    edges = cv2.Canny(small, threshold, 2.2 * threshold)
    near_frame = cv2.resize(frame.astype(np.uint8) * 255, small_size, interpolation=cv2.INTER_AREA) > 0
    edges[cv2.dilate(near_frame.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0] = 0
    contours, _ = cv2.findContours(edges, cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
    to_full = np.array([width / small.shape[1], height / small.shape[0]])
    wobble = 0.005 * max(height, width)
    thickness = max(1, round(max(height, width) / 400))
    strokes = np.zeros((height, width), np.uint8)
    for contour in contours:
        if len(contour) < 8:
            continue
        points = cv2.approxPolyDP(contour, 0.8, closed=False)[:, 0, :] * to_full
        points += rng.normal(0.0, wobble, points.shape) + rng.normal(0.0, wobble, 2)
        cv2.polylines(
            strokes, [np.round(points * 4).astype(np.int32)], False, 120, thickness, cv2.LINE_AA, shift=2
        )
    return strokes
