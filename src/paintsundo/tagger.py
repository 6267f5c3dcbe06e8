"""The WD14 tagger (wd-v1-4-moat-tagger-v2) that writes the single-frame model's prompt.

Preprocessing, thresholds and tag formatting match the reference app, which was trained on its output.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from paintsundo.errors import PaintsUndoError

TAGGER_NAME = "wd-v1-4-moat-tagger-v2"
GENERAL_THRESHOLD = 0.35
CHARACTER_THRESHOLD = 0.85
GENERAL, CHARACTER = "0", "4"  # tag categories in the CSV; rating tags (9) come first and are dropped


@dataclass(frozen=True)
class TagList:
    names: list[str]
    general_start: int
    character_start: int

    @classmethod
    def read(cls, path: Path) -> TagList:
        with path.open(newline="", encoding="utf-8") as stream:
            rows = list(csv.reader(stream))[1:]
        categories = [row[2] for row in rows]
        if GENERAL not in categories or CHARACTER not in categories:
            raise PaintsUndoError(f"{path} is not a WD14 tag list (no general or character tags)")
        return cls([row[1] for row in rows], categories.index(GENERAL), categories.index(CHARACTER))


class Tagger:
    """Tags a picture and formats them as the reference app's prompt."""

    def __init__(self, folder: str | Path, providers: list[str] | None = None) -> None:
        import onnxruntime

        folder = Path(folder)
        model, table = folder / f"{TAGGER_NAME}.onnx", folder / f"{TAGGER_NAME}.csv"
        for path in (model, table):
            if not path.is_file():
                raise PaintsUndoError(f"tagger file not found: {path} (run `paintsundo download`)")
        try:
            self.session = onnxruntime.InferenceSession(
                str(model), providers=providers or ["CPUExecutionProvider"]
            )
        except Exception as error:  # onnxruntime raises its own exception types
            raise PaintsUndoError(f"cannot load the tagger {model}: {error}") from None
        self.tags = TagList.read(table)

    @property
    def input_size(self) -> int:
        return int(self.session.get_inputs()[0].shape[1])

    def __call__(self, picture: np.ndarray) -> str:
        """Prompt for an RGB uint8 picture (h w 3)."""
        batch = prepare(picture, self.input_size)
        probabilities = self.session.run(None, {self.session.get_inputs()[0].name: batch})[0][0]
        return format_tags(self.tags, probabilities)


def prepare(picture: np.ndarray, size: int) -> np.ndarray:
    """Long side to `size` (Lanczos), centred on a white square, BGR, float 0..255: 1 size size 3."""
    image = Image.fromarray(picture)
    ratio = size / max(image.size)
    scaled = image.resize(tuple(int(side * ratio) for side in image.size), Image.Resampling.LANCZOS)
    square = Image.new("RGB", (size, size), (255, 255, 255))
    square.paste(scaled, ((size - scaled.width) // 2, (size - scaled.height) // 2))
    return np.asarray(square, dtype=np.float32)[None, :, :, ::-1].copy()


def format_tags(tags: TagList, probabilities: np.ndarray) -> str:
    """Character tags first, then general ones, in list order; parentheses escaped, underscores spaced."""
    scored = list(zip(tags.names, probabilities, strict=True))
    general = [name for name, p in scored[tags.general_start : tags.character_start] if p > GENERAL_THRESHOLD]
    character = [name for name, p in scored[tags.character_start :] if p > CHARACTER_THRESHOLD]
    text = ", ".join(name.replace("(", "\\(").replace(")", "\\)") for name in character + general)
    return text.replace("_", " ")
