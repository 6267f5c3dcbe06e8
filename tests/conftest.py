from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


@pytest.fixture(scope="session")
def example_paths() -> list[Path]:
    return sorted(EXAMPLES.glob("*.jpg"))


@pytest.fixture
def small_png(tmp_path: Path) -> Path:
    """A real example picture, shrunk, so CLI runs stay quick."""
    path = tmp_path / "picture.png"
    with Image.open(EXAMPLES / "3.jpg") as image:
        image.convert("RGB").resize((144, 192), Image.Resampling.LANCZOS).save(path)
    return path


def white_fraction(frame: np.ndarray, level: int = 235) -> float:
    return float((frame.min(axis=-1) >= level).mean())


def colourful_fraction(frame: np.ndarray, chroma: int = 45) -> float:
    """Share of pixels with strong colour (max - min over RGB)."""
    spread = frame.max(axis=-1).astype(np.int16) - frame.min(axis=-1)
    return float((spread >= chroma).mean())
