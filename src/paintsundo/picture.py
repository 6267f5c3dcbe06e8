"""Reading the user's picture: validation, colour modes, and resizing to the output size."""

from __future__ import annotations

import hashlib
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from paintsundo.errors import PaintsUndoError
from paintsundo.sizes import output_size

# What the API accepts as a picture: a file path, a PIL image or an array (h w, h w 3 or h w 4).
PictureSource = str | Path | np.ndarray | Image.Image
MAX_PIXELS = 100_000_000
# EXIF orientations that turn the stored picture a quarter turn: its upright width is its stored height.
QUARTER_TURNS = {5, 6, 7, 8}
# Enlarged more than this, a picture has too few pixels to show anything being drawn.
MAX_ENLARGEMENT = 4.0
FLAT_SPREAD = 8  # levels: a picture whose channels vary by no more is one flat colour, nothing to draw


@dataclass(frozen=True)
class Picture:
    """A picture at output size, as RGB uint8 (h w 3; RGBA, h w 4, where transparency was kept),
    with where it came from."""

    pixels: np.ndarray
    sha256: str
    source_size: tuple[int, int]  # width, height of the upright picture (after its EXIF orientation)
    # What the run may go on with but the user should know, one line each: a picture enlarged far
    # past its pixels, one flat colour, an animation of which only the first frame is drawn.
    warnings: tuple[str, ...] = ()

    @property
    def size(self) -> tuple[int, int]:
        return self.pixels.shape[1], self.pixels.shape[0]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_picture(path: str | Path, size: str | None = None, transparency: bool = False) -> Picture:
    """Open an image file and return it flattened on white (RGBA with `transparency`), resized
    (and centre-cropped) to size.

    size "source" keeps the stored size (for the neural engine, which resizes as the reference does).
    """
    path = Path(path)
    if not path.exists():
        raise PaintsUndoError(f"input not found: {path}")
    if path.is_dir():
        raise PaintsUndoError(f"input is a folder, not an image: {path}")
    if path.stat().st_size == 0:
        raise PaintsUndoError(f"input is an empty file (0 bytes): {path}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                _refuse_bombs(image, path)
                source_size = upright_size(image)
                frames = getattr(image, "n_frames", 1) if getattr(image, "is_animated", False) else 1
                pixels = _to_rgb_at_size(image, _target(source_size, size), transparency)
    except PaintsUndoError:
        raise
    except Image.DecompressionBombError:
        raise PaintsUndoError(
            f"input is over {MAX_PIXELS:,} pixels: refused as a possible decompression bomb;"
            f" downscale it first ({path})"
        ) from None
    except UnidentifiedImageError:
        raise PaintsUndoError(f"input is not an image Pillow can read: {path}") from None
    except (OSError, SyntaxError, ValueError) as error:
        raise PaintsUndoError(
            f"cannot read image {path}: {_first_line(error)} (is the file truncated or corrupt?)"
        ) from None
    warned = picture_warnings(pixels, source_size)
    if frames > 1:
        warned = (f"the picture is an animation of {frames} frames: only its first frame is drawn", *warned)
    return Picture(pixels=pixels, sha256=file_sha256(path), source_size=source_size, warnings=warned)


def picture_from_array(pixels: np.ndarray, size: str | None = None, transparency: bool = False) -> Picture:
    """Wrap an in-memory RGB/RGBA/grey uint8 array as a Picture at the output size."""
    array = np.asarray(pixels)
    if array.ndim not in (2, 3) or array.size == 0:
        raise PaintsUndoError(f"expected an image array of shape (h, w) or (h, w, c), got {array.shape}")
    image = Image.fromarray(array if array.dtype == np.uint8 else np.clip(array, 0, 255).astype(np.uint8))
    _refuse_bombs(image, Path("<array>"))
    digest = hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()
    pixels = _to_rgb_at_size(image, _target(image.size, size), transparency)
    warned = picture_warnings(pixels, image.size)
    return Picture(pixels=pixels, sha256=digest, source_size=image.size, warnings=warned)


def picture_warnings(pixels: np.ndarray, source_size: tuple[int, int]) -> tuple[str, ...]:
    """What a run can draw but shows little of: a picture enlarged far past its pixels, or one flat
    colour."""
    warned = []
    width, height = source_size
    enlargement = max(pixels.shape[:2]) / max(width, height)
    if enlargement > MAX_ENLARGEMENT:
        warned.append(
            f"the picture is only {width}x{height} pixels, enlarged {enlargement:.3g} times to"
            f" {pixels.shape[1]}x{pixels.shape[0]}: its video shows little; give a larger picture"
        )
    colors = pixels[..., :3].reshape(-1, 3)
    if (colors.max(axis=0).astype(int) - colors.min(axis=0) <= FLAT_SPREAD).all():
        rgb = ", ".join(str(round(level)) for level in colors.mean(axis=0))
        warned.append(f"the picture is one flat colour, rgb({rgb}): its video shows nothing being drawn")
    return tuple(warned)


def load_source(source: PictureSource, size: str | None = None, transparency: bool = False) -> Picture:
    """A picture from any of the sources the API accepts, at the output size (see `load_picture`)."""
    if isinstance(source, (str, Path)):
        return load_picture(source, size, transparency)
    if isinstance(source, Image.Image):
        upright = ImageOps.exif_transpose(source)  # a PIL image keeps its EXIF turn until applied
        return picture_from_array(np.asarray(upright.convert("RGBA")), size, transparency)
    if isinstance(source, np.ndarray):
        return picture_from_array(source, size, transparency)
    raise PaintsUndoError(f"expected a path, a PIL image or a NumPy array, got {type(source).__name__}")


def upright_size(image: Image.Image) -> tuple[int, int]:
    """(width, height) as the picture is meant to be seen: phones store portraits turned a quarter."""
    width, height = image.size
    turned = image.getexif().get(ExifTags.Base.Orientation) in QUARTER_TURNS
    return (height, width) if turned else (width, height)


def _target(upright: tuple[int, int], size: str | None) -> tuple[int, int] | None:
    return None if size == "source" else output_size(*upright, size)


def _refuse_bombs(image: Image.Image, path: Path) -> None:
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise PaintsUndoError(
            f"input is {width}x{height}, over {MAX_PIXELS:,} pixels: refused as a possible"
            f" decompression bomb; downscale it first ({path})"
        )
    if width < 1 or height < 1:
        raise PaintsUndoError(f"input has no pixels ({width}x{height}): {path}")


def _to_rgb_at_size(
    image: Image.Image, target: tuple[int, int] | None, transparency: bool = False
) -> np.ndarray:
    # Let JPEG decode at a reduced scale first: a 50 MP photo then costs a fraction of its full decode.
    # The draft size is in stored orientation, which a quarter turn swaps.
    if image.format == "JPEG" and target is not None:
        turned = upright_size(image) != image.size
        image.draft("RGB", (target[1], target[0]) if turned else target)
    image = ImageOps.exif_transpose(image)
    image = image.convert("RGBA") if transparency else _flatten_on_white(image)
    if target is None:
        return np.asarray(image, dtype=np.uint8).copy()
    box = _centre_crop_box(image.size, target)
    image = image.resize(target, Image.Resampling.LANCZOS, box=box, reducing_gap=3.0)
    return np.asarray(image, dtype=np.uint8).copy()


def _centre_crop_box(size: tuple[int, int], target: tuple[int, int]) -> tuple[float, float, float, float]:
    """The largest centred box of the source with the target's aspect ratio (resize to cover, then crop)."""
    width, height = size
    scale = max(target[0] / width, target[1] / height)
    crop_w, crop_h = min(width, target[0] / scale), min(height, target[1] / scale)
    # Clamped: rounding can put a full-width box a hair outside the picture, which Pillow refuses.
    left, top = max(0.0, (width - crop_w) / 2), max(0.0, (height - crop_h) / 2)
    return left, top, left + crop_w, top + crop_h


def _flatten_on_white(image: Image.Image) -> Image.Image:
    """RGB from any mode: 16-bit and float greys are scaled, transparency is composited on white."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        values = np.asarray(image, dtype=np.float64)
        peak = 65535.0 if image.mode.startswith("I;16") or values.max(initial=0) > 255 else 255.0
        if image.mode == "F" and values.max(initial=0) <= 1.0:
            peak = 1.0
        grey = np.clip(values / peak * 255.0 + 0.5, 0, 255).astype(np.uint8)
        return Image.fromarray(grey).convert("RGB")
    has_alpha = image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info
    if has_alpha:
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return image.convert("RGB")


def _first_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]
