"""Pictures of each kind, made here so that every test can say what it was given (h w 3 uint8), and
where a plan's marks lie on them."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from paintsundo.undo.procedural.marks import Area, Mark
from paintsundo.undo.procedural.raster import box_of, coverage


def _noise(rng: np.random.Generator, cells: int, shape: tuple[int, int]) -> np.ndarray:
    coarse = rng.random((cells, cells)).astype(np.float32)
    return cv2.resize(coarse, (shape[1], shape[0]), interpolation=cv2.INTER_CUBIC)


def landscape_painting(height: int = 320, width: int = 256) -> np.ndarray:
    """Soft sky with clouds over greyed far hills, nearer green hills with trees, a sharp saturated
    red house in front; brush strokes all over, no outlines."""
    rng = np.random.default_rng(3)
    scale = width / 256
    rows = np.linspace(0, 1, height)[:, None, None]
    picture = np.broadcast_to((1 - rows) * [110, 150, 220] + rows * [235, 225, 210], (height, width, 3))
    picture = picture.astype(np.float32).copy()
    clouds = np.zeros((height, width), np.float32)
    for _ in range(5):
        centre = (int(rng.uniform(0, width)), int(rng.uniform(0.05, 0.3) * height))
        axes = (int(rng.uniform(25, 45) * scale), int(rng.uniform(8, 14) * scale))
        cv2.ellipse(clouds, centre, axes, 0, 0, 360, 1.0, -1)
    clouds = cv2.GaussianBlur(clouds, (0, 0), 5 * scale)[..., None]
    picture = picture * (1 - 0.8 * clouds) + np.array([245, 245, 240]) * 0.8 * clouds
    columns = np.arange(width)
    for top, color, blur in (
        (0.47, (150, 140, 175), 3.0),
        (0.6, (110, 140, 100), 1.5),
        (0.74, (90, 150, 50), 0.8),
    ):
        edge = (top + 0.05 * np.sin(columns / (width / 8) + top * 9)) * height
        mass = (np.arange(height)[:, None] >= edge[None, :]).astype(np.float32)
        mass = cv2.GaussianBlur(mass, (0, 0), blur)[..., None]
        paint = np.array(color, np.float32) * (0.9 + 0.2 * _noise(rng, 20, (height, width)))[..., None]
        picture = picture * (1 - mass) + paint * mass
    for _ in range(7):  # trees on the middle hills
        x, y = int(rng.uniform(0.05, 0.95) * width), int(rng.uniform(0.64, 0.72) * height)
        cv2.ellipse(picture, (x, y), (int(9 * scale), int(16 * scale)), 0, 0, 360, (40, 80, 45), -1)
    house = (slice(int(0.78 * height), int(0.92 * height)), slice(int(0.55 * width), int(0.75 * width)))
    picture[house] = (205, 30, 35)
    picture = _brushed(picture, rng, scale)
    picture += (_noise(rng, 60, (height, width)) - 0.5)[..., None] * 14
    return np.clip(picture, 0, 255).astype(np.uint8)


def _brushed(picture: np.ndarray, rng: np.random.Generator, scale: float) -> np.ndarray:
    """Short strokes of the local colour, a little lighter or darker, laid across the picture."""
    height, width = picture.shape[:2]
    strokes = picture.copy()
    for _ in range(int(900 * scale * scale)):
        x, y = int(rng.uniform(0, width)), int(rng.uniform(0, height))
        angle = rng.uniform(-0.5, 0.5)
        reach = rng.uniform(4, 10) * scale
        end = (int(x + reach * np.cos(angle)), int(y + reach * np.sin(angle)))
        color = tuple(float(c) for c in picture[y, x] * rng.uniform(0.88, 1.12))
        cv2.line(strokes, (x, y), end, color, max(1, round(2 * scale)), cv2.LINE_AA)
    return strokes


def flat_graphic(height: int = 320, width: int = 256) -> np.ndarray:
    """Flat vector shapes in a few colours: ground, hills, sun, a figure; no outlines."""
    picture = np.full((height, width, 3), (250, 236, 210), np.uint8)
    scale = width / 256
    cv2.rectangle(picture, (0, int(210 * scale)), (width, height), (60, 140, 120), -1)
    cv2.circle(picture, (int(190 * scale), int(75 * scale)), int(35 * scale), (245, 180, 60), -1)
    hill = np.array([[30, 210], [100, 100], [170, 210]]) * scale
    cv2.fillPoly(picture, [hill.astype(np.int32)], (80, 90, 160))
    cv2.rectangle(
        picture, (int(45 * scale), int(240 * scale)), (int(100 * scale), int(300 * scale)), (200, 80, 70), -1
    )
    cv2.circle(picture, (int(72 * scale), int(235 * scale)), int(20 * scale), (230, 120, 90), -1)
    return picture


def pencil_drawing(height: int = 320, width: int = 256) -> np.ndarray:
    """Grey pencil lines and hatching of a figure on slightly grey paper."""
    rng = np.random.default_rng(7)
    paper = np.full((height, width), 247, np.uint8)
    scale = width / 256
    cv2.ellipse(paper, (width // 2, int(100 * scale)), (int(40 * scale), int(50 * scale)), 0, 0, 360, 80, 2)
    cv2.line(paper, (width // 2, int(150 * scale)), (width // 2, int(260 * scale)), 100, 2)
    cv2.ellipse(paper, (width // 2, int(210 * scale)), (int(60 * scale), int(70 * scale)), 0, 200, 340, 70, 2)
    for k in range(20):
        x = int((90 + 4 * k) * scale)
        cv2.line(paper, (x, int(130 * scale)), (x + int(15 * scale), int(165 * scale)), 165, 1)
    paper = np.clip(cv2.GaussianBlur(paper, (0, 0), 0.6) + rng.normal(0, 1.5, paper.shape), 0, 255)
    return np.repeat(paper.astype(np.uint8)[..., None], 3, axis=2)


def painted_portrait(height: int = 320, width: int = 256) -> np.ndarray:
    """A head and shoulders in soft, blended colour over a warm ground: forms modelled by the light,
    no dark outlines (the eyes and mouth are soft patches), brush strokes and a grain all over."""
    rng = np.random.default_rng(11)
    scale = width / 256
    rows = np.linspace(0, 1, height)[:, None, None]
    columns = np.linspace(0, 1, width)[None, :, None]
    ground = (1 - rows) * [150, 140, 115] + rows * [95, 90, 80] + columns * [20, 10, -10]
    picture = np.broadcast_to(ground, (height, width, 3)).astype(np.float32).copy()

    def soft(shape, blur: float) -> np.ndarray:
        """A shape drawn by `shape` into a mask, blurred to a soft edge (h w 1)."""
        mask = np.zeros((height, width), np.float32)
        shape(mask)
        return cv2.GaussianBlur(mask, (0, 0), blur * scale)[..., None]

    def at(x: float, y: float) -> tuple[int, int]:
        return width // 2 + int(x * scale), int(y * scale)

    def size(x: float, y: float) -> tuple[int, int]:
        return int(x * scale), int(y * scale)

    for shape, blur, color in (
        (lambda m: cv2.ellipse(m, at(0, 300), size(115, 75), 0, 180, 360, 1.0, -1), 5, (70, 95, 140)),
        (lambda m: cv2.rectangle(m, at(-20, 170), at(20, 240), 1.0, -1), 4, (200, 150, 120)),
        (lambda m: cv2.ellipse(m, at(0, 130), size(48, 62), 0, 0, 360, 1.0, -1), 4, (225, 175, 145)),
    ):
        mask = soft(shape, blur)
        paint = np.array(color, np.float32) * (0.92 + 0.16 * _noise(rng, 12, (height, width)))[..., None]
        picture = picture * (1 - mask) + paint * mask
    # The light comes from the left: the head's right side turns into shadow.
    turn = soft(lambda m: cv2.ellipse(m, at(40, 140), size(30, 70), 0, 0, 360, 1.0, -1), 10)
    picture *= 1 - 0.25 * turn
    hair = soft(lambda m: cv2.ellipse(m, at(0, 95), size(54, 45), 0, 180, 360, 1.0, -1), 6)
    picture = picture * (1 - hair) + np.array([130, 90, 60], np.float32) * hair
    for x in (-18, 18):
        picture *= 1 - 0.3 * soft(
            lambda m, x=x: cv2.ellipse(m, at(x, 128), size(8, 4), 0, 0, 360, 1.0, -1), 2
        )
    mouth = 0.6 * soft(lambda m: cv2.ellipse(m, at(0, 165), size(14, 4), 0, 0, 360, 1.0, -1), 2)
    picture = picture * (1 - mouth) + np.array([185, 105, 100], np.float32) * mouth
    picture = _brushed(picture, rng, scale)
    picture += (_noise(rng, 60, (height, width)) - 0.5)[..., None] * 12
    return np.clip(picture, 0, 255).astype(np.uint8)


def figure_in_landscape(height: int = 320, width: int = 256) -> np.ndarray:
    """A girl before a meadow under the sky, as in a painted illustration: a big mass of dark hair
    high in the picture, a face, and a light shirt that the bottom edge cuts; brush strokes all
    over, no outlines. The sky and the meadow are the background (they run along the picture's
    sides); the figure stands before them. AREAS names a part of each."""
    rng = np.random.default_rng(21)
    scale = width / 256
    rows = np.linspace(0, 1, height)[:, None, None]
    sky = (1 - rows) * [120, 170, 230] + rows * [200, 220, 240]
    meadow = np.array([150, 180, 80]) * (0.9 + 0.2 * rows)
    horizon = (rows > 0.55).astype(np.float32)
    picture = (sky * (1 - horizon) + meadow * horizon) * np.ones((1, width, 1))
    picture = picture.astype(np.float32)

    def at(x: float, y: float) -> tuple[int, int]:
        return int(x * scale), int(y * scale)

    def size(x: float, y: float) -> tuple[int, int]:
        return int(x * scale), int(y * scale)

    for shape, color in (
        (lambda m: cv2.ellipse(m, at(128, 330), size(95, 95), 0, 180, 360, 1.0, -1), (235, 235, 240)),
        (lambda m: cv2.rectangle(m, at(112, 190), at(144, 245), 1.0, -1), (225, 185, 165)),
        (lambda m: cv2.ellipse(m, at(128, 120), size(72, 85), 0, 0, 360, 1.0, -1), (40, 36, 44)),
        (lambda m: cv2.ellipse(m, at(128, 150), size(46, 56), 0, 0, 360, 1.0, -1), (236, 200, 180)),
        (lambda m: cv2.fillConvexPoly(m, np.array([at(108, 240), at(148, 240), at(128, 280)]), 1.0), RED),
    ):
        mask = np.zeros((height, width), np.float32)
        shape(mask)
        mask = cv2.GaussianBlur(mask, (0, 0), 1.5 * scale)[..., None]
        picture = picture * (1 - mask) + np.array(color, np.float32) * mask
    picture = _brushed(picture, rng, scale)
    picture += (_noise(rng, 60, (height, width)) - 0.5)[..., None] * 10
    return np.clip(picture, 0, 255).astype(np.uint8)


RED = (200, 40, 50)  # the figure's scarf

# Parts of figure_in_landscape (rows, columns as shares of its height and width).
AREAS = {
    "sky": ((0.03, 0.15), (0.03, 0.2)),
    "meadow": ((0.75, 0.9), (0.02, 0.15)),
    "hair": ((0.12, 0.22), (0.4, 0.6)),
    "face": ((0.45, 0.55), (0.42, 0.58)),
}


def footprint(marks: list[Mark] | tuple[Mark, ...], shape: tuple[int, int]) -> np.ndarray:
    """Where any of `marks` lays anything, laid whole (h w bool)."""
    where = np.zeros(shape, bool)
    for mark in marks:
        box = box_of(mark, shape)
        if box is not None:
            where[box.slices] |= coverage(mark, box).alpha > 0
    return where


def covered(area: Area, shape: tuple[int, int]) -> np.ndarray:
    """The pixels a fill's area covers on a canvas of `shape` (h w bool)."""
    where = np.zeros(shape, bool)
    rows, columns = area.mask.shape
    where[area.top : area.top + rows, area.left : area.left + columns] = area.mask
    return where


# The made pictures by kind, and the folder of real ones (each file's kind starts its name).
MADE = {"painting": landscape_painting, "graphic": flat_graphic, "pencil": pencil_drawing}
KINDS = Path(__file__).parent / "data" / "kinds"
