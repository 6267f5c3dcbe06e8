"""A grid of evenly spaced frames with their stage names: people look before they watch."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFont

THUMB_LONG_SIDE = 240
LABEL_HEIGHT = 22
GAP = 6


def contact_frame_indices(frames: int, count: int = 12) -> list[int]:
    """`count` evenly spaced frame indices, always including the first and the last."""
    return sorted({round(i) for i in np.linspace(0, frames - 1, min(count, frames))})


def contact_sheet(frames: list[tuple[int, str, np.ndarray]], title: str, columns: int = 4) -> Image.Image:
    """Lay out (index, stage, RGB frame) triples in a grid under a title."""
    labelled = [(f"frame {index} · {stage}", frame) for index, stage, frame in frames]
    return picture_sheet(labelled, title, columns)


def picture_sheet(pictures: list[tuple[str, np.ndarray]], title: str, columns: int = 4) -> Image.Image:
    """Lay out (label, RGB picture) pairs of one size in a grid under a title."""
    height, width = pictures[0][1].shape[:2]
    scale = THUMB_LONG_SIDE / max(height, width)
    thumb_w, thumb_h = max(1, round(width * scale)), max(1, round(height * scale))
    columns = min(columns, len(pictures))
    rows = -(-len(pictures) // columns)
    cell_w, cell_h = thumb_w + GAP, thumb_h + LABEL_HEIGHT + GAP
    sheet = Image.new("RGB", (columns * cell_w + GAP, rows * cell_h + GAP + LABEL_HEIGHT + 4), "white")
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.load_default(size=14)
    draw.text((GAP, GAP), title, fill=(40, 40, 40), font=font)
    for position, (label, frame) in enumerate(pictures):
        x = GAP + (position % columns) * cell_w
        y = GAP + LABEL_HEIGHT + 4 + (position // columns) * cell_h
        thumb = Image.fromarray(frame).resize((thumb_w, thumb_h), Image.Resampling.LANCZOS)
        sheet.paste(thumb, (x, y))
        draw.rectangle((x - 1, y - 1, x + thumb_w, y + thumb_h), outline=(200, 200, 200))
        draw.text((x, y + thumb_h + 3), label, fill=(60, 60, 60), font=_fitting(draw, label, thumb_w + GAP))
    return sheet


def _fitting(draw: ImageDraw.ImageDraw, label: str, width: int) -> ImageFont.ImageFont:
    """The label's font: the usual size, or smaller where that would run into the next cell."""
    for size in range(14, 9, -1):
        font = ImageFont.load_default(size=size)
        if draw.textlength(label, font=font) <= width:
            break
    return font
