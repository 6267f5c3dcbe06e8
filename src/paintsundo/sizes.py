"""Output sizes: WIDTHxHEIGHT or a long side, always even, within the limits a video can show."""

from __future__ import annotations

import math

from paintsundo.errors import PaintsUndoError

DEFAULT_LONG_SIDE = 640
MAX_SIDE = 8192
MIN_SIDE = 32  # smaller, a video shows nothing of the drawing
MAX_ASPECT = 8.0  # longer than 8:1, a video is a strip: crop the picture or give a size


def parse_size(text: str) -> tuple[int, int] | int:
    """Parse "WxH" into (width, height), or one number into a long side; values round to even."""
    cleaned = text.strip().lower().replace("×", "x")
    try:
        if "x" in cleaned:
            width_text, height_text = cleaned.split("x", 1)
            width, height = _even(float(width_text)), _even(float(height_text))
            _check_side(width, text)
            _check_side(height, text)
            return width, height
        side = _even(float(cleaned))
    except ValueError:
        raise PaintsUndoError(f"cannot read size {text!r}: write it as WIDTHxHEIGHT, like 512x640") from None
    _check_side(side, text)
    return side


def _even(value: float) -> int:
    if not math.isfinite(value):
        raise ValueError(value)
    return 2 * math.floor(value / 2 + 0.5)


def _check_side(side: int, text: str) -> None:
    if not MIN_SIDE <= side <= MAX_SIDE:
        raise PaintsUndoError(
            f"size {text!r} is out of range: each side must be {MIN_SIDE} to {MAX_SIDE} pixels"
        )


def output_size(input_width: int, input_height: int, size: str | None) -> tuple[int, int]:
    """The even (width, height) of the output; a long side alone keeps the input's aspect ratio.

    A given WIDTHxHEIGHT crops the picture to its aspect; either way the output is at most 8:1.
    """
    request = DEFAULT_LONG_SIDE if size is None else parse_size(size)
    if isinstance(request, tuple):
        width, height = request
    else:
        scale = request / max(input_width, input_height)
        width, height = max(2, _even(input_width * scale)), max(2, _even(input_height * scale))
    if max(width, height) > MAX_ASPECT * min(width, height):
        suggestion = _suggested(width, height)
        if isinstance(request, tuple):
            raise PaintsUndoError(
                f"the size {width}x{height} is longer than {MAX_ASPECT:g}:1: give one such as {suggestion}"
            )
        raise PaintsUndoError(
            f"the picture, {input_width}x{input_height}, is longer than {MAX_ASPECT:g}:1: crop it, or give"
            f" an output size such as {suggestion} to draw its middle"
        )
    if min(width, height) < MIN_SIDE:
        raise PaintsUndoError(
            f"the output would be {width}x{height}, under {MIN_SIDE} pixels on a side: give a larger size"
        )
    return width, height


def _suggested(width: int, height: int) -> str:
    """A size at the longest aspect allowed, keeping the long side."""
    long_side = max(width, height)
    short_side = max(MIN_SIDE, _even(long_side / MAX_ASPECT))
    return f"{long_side}x{short_side}" if width >= height else f"{short_side}x{long_side}"
