"""OpenRaster (.ora) files: layered pictures that Krita, GIMP and MyPaint open.

The format (OpenRaster 0.0.5): a zip whose first entry is `mimetype`, stored uncompressed, so that
the file's type can be read at a fixed offset; then `stack.xml` listing the layers top first, one
PNG per layer, `mergedimage.png` (the flattened picture) and `Thumbnails/thumbnail.png`.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
from PIL import Image
from PIL.PngImagePlugin import PngInfo

MIMETYPE = "image/openraster"
THUMBNAIL_SIDE = 256


@dataclass(frozen=True)
class RasterLayer:
    name: str
    pixels: np.ndarray  # h w 4 RGBA uint8, not premultiplied
    visible: bool = True
    opacity: float = 1.0


def write_openraster(
    path: Path, layers: list[RasterLayer], merged: np.ndarray, info: PngInfo | None = None
) -> None:
    """Write `layers` (bottom first) and the flattened picture (h w 3 RGB uint8) as an .ora file."""
    height, width = merged.shape[:2]
    image = ElementTree.Element("image", {"version": "0.0.5", "w": str(width), "h": str(height)})
    stack = ElementTree.SubElement(image, "stack")
    for index, layer in reversed(list(enumerate(layers))):
        ElementTree.SubElement(
            stack,
            "layer",
            {
                "name": layer.name,
                "src": f"data/layer{index}.png",
                "x": "0",
                "y": "0",
                "opacity": f"{layer.opacity:.3f}",
                "visibility": "visible" if layer.visible else "hidden",
                "composite-op": "svg:src-over",
            },
        )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), MIMETYPE, compress_type=zipfile.ZIP_STORED)
        stack_xml = ElementTree.tostring(image, encoding="utf-8", xml_declaration=True)
        archive.writestr("stack.xml", stack_xml, compress_type=zipfile.ZIP_DEFLATED)
        for index, layer in enumerate(layers):
            archive.writestr(f"data/layer{index}.png", _png(Image.fromarray(layer.pixels, "RGBA")))
        flattened = Image.fromarray(merged, "RGB")
        archive.writestr("mergedimage.png", _png(flattened, info))
        thumbnail = flattened.copy()
        thumbnail.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
        archive.writestr("Thumbnails/thumbnail.png", _png(thumbnail))


def read_openraster(path: Path) -> tuple[list[tuple[str, np.ndarray]], np.ndarray]:
    """The layers (name, RGBA pixels; bottom first) and the merged picture of an .ora file."""
    with zipfile.ZipFile(path) as archive:
        stack = ElementTree.fromstring(archive.read("stack.xml"))
        layers = [
            (node.get("name", ""), np.asarray(Image.open(io.BytesIO(archive.read(node.get("src", ""))))))
            for node in reversed(stack.findall("./stack/layer"))
        ]
        merged = np.asarray(Image.open(io.BytesIO(archive.read("mergedimage.png"))).convert("RGB"))
    return layers, merged


def _png(image: Image.Image, info: PngInfo | None = None) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", pnginfo=info, compress_level=6)
    return buffer.getvalue()
