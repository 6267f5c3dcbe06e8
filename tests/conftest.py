from __future__ import annotations

import ast
import json
import os
import shutil
import struct
import tempfile
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import ExifTags, Image

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
TINY_RELEASE = ROOT / "tests" / "data" / "tiny-release"  # tiny checkpoints in the released layout


SUITE_TEMP = pytest.StashKey[tuple]()  # (the suite's temp folder, TMPDIR before it)


def pytest_configure(config: pytest.Config) -> None:
    """Everything the suite and what it starts write to a temp folder (pytest's own temporary paths,
    Gradio's cache, Ray's sessions, worker processes) goes under one folder, removed at the end.

    It runs before any test module imports Gradio, which reads its temp folder as it is imported, or
    huggingface_hub, which reads its cache folder so: the suite sees no downloaded weights and never
    reaches the network, whatever the machine holds."""
    root = tempfile.mkdtemp(prefix="pu")  # short: Ray puts sockets (107 bytes at most) under it
    config.stash[SUITE_TEMP] = (root, os.environ.get("TMPDIR"))
    os.environ["TMPDIR"] = root
    os.environ.update(HF_HOME=os.path.join(root, "hf"), HF_HUB_OFFLINE="1")
    os.environ.pop("HF_HUB_CACHE", None)
    os.environ.pop("PAINTSUNDO_MODELS", None)
    tempfile.tempdir = None  # forget the folder the stdlib found before


def pytest_unconfigure(config: pytest.Config) -> None:
    root, previous = config.stash.get(SUITE_TEMP, (None, None))
    if root is None:
        return
    shutil.rmtree(root, ignore_errors=True)
    if previous is None:
        os.environ.pop("TMPDIR", None)
    else:
        os.environ["TMPDIR"] = previous
    tempfile.tempdir = None


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


def colorful_fraction(frame: np.ndarray, chroma: int = 45) -> float:
    """Share of pixels with strong colour (max - min over RGB)."""
    spread = frame.max(axis=-1).astype(np.int16) - frame.min(axis=-1)
    return float((spread >= chroma).mean())


def make_batch_folder(tmp_path: Path) -> Path:
    """12 pictures: 10 real ones (crops of the examples) and 2 corrupt ones."""
    pictures = tmp_path / "in"
    pictures.mkdir()
    for index in range(10):
        with Image.open(EXAMPLES / f"{index % 3 + 1}.jpg") as image:
            image.convert("RGB").crop((index * 7, 0, index * 7 + 90, 110)).save(
                pictures / f"p{index:02d}.png"
            )
    (pictures / "broken.png").write_bytes(b"not an image")
    (pictures / "truncated.jpg").write_bytes((EXAMPLES / "1.jpg").read_bytes()[:300])
    return pictures


def png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims a size its (empty) data does not have."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b""))
        + chunk(b"IEND", b"")
    )


def phone_portrait(tmp_path: Path, orientation: int) -> Path:
    """A JPEG stored 640x480 that a phone means as a 480x640 portrait: red on the stored top half."""
    stored = Image.new("RGB", (640, 480), (0, 0, 255))
    stored.paste((255, 0, 0), (0, 0, 640, 240))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    path = tmp_path / f"portrait-{orientation}.jpg"
    stored.save(path, exif=exif, quality=95)
    return path


def manifest_lines(manifest: Path) -> list[dict]:
    return [json.loads(line) for line in manifest.read_text().splitlines()]


def tiny_neural_settings():
    """The neural engine on the CPU at a size and step count the tiny checkpoints run in seconds."""
    from paintsundo.undo.pipeline.settings import KeyframeSettings, VideoSettings
    from paintsundo.undo.settings import Settings

    return Settings(
        engine="neural",
        device="cpu",
        hold=0,
        keyframe_settings=KeyframeSettings(width=64, height=64, operation_steps=(400, 999), steps=2),
        video_settings=VideoSettings(steps=2, buckets=((64, 64),)),
    )


def relative_error(ours, reference) -> float:
    """|ours - reference| / |reference| of two tensors, in the Frobenius norm."""
    return float(((ours - reference).norm() / reference.norm()).detach())


@pytest.fixture(scope="module")
def tiny_multi_frame():
    """The tiny multi-frame checkpoint in the released layout, loaded on the CPU."""
    import torch

    from paintsundo.undo.runtime.model_sets import load_multi_frame

    return load_multi_frame(TINY_RELEASE / "paints_undo_multi_frame", torch.device("cpu"))


@pytest.fixture(scope="module")
def tiny_single_frame():
    """The tiny single-frame checkpoint in the released layout, loaded on the CPU."""
    import torch

    from paintsundo.undo.runtime.model_sets import load_single_frame

    return load_single_frame(TINY_RELEASE / "paints_undo_single_frame", torch.device("cpu"))


def tiny_video(models, plan, **options) -> list:
    """Frames of a 3-keyframe video from tiny models on the CPU (2 steps unless options say)."""
    import torch

    from paintsundo.undo.pipeline.settings import VideoSettings
    from paintsundo.undo.pipeline.video import video_frames
    from paintsundo.undo.runtime.model_sets import modules_of
    from paintsundo.undo.runtime.placement import Placement

    rng = np.random.default_rng(0)
    keyframes = [rng.integers(0, 255, (64, 48, 3), dtype=np.uint8) for _ in range(3)]
    placement = Placement(torch.device("cpu"), plan, [modules_of(models)])
    settings = VideoSettings(**{"steps": 2, "buckets": ((64, 48),), **options})
    return video_frames(models, placement, keyframes, settings)


def channels_last(weight) -> bool:
    """Whether a 2D or 3D convolution weight is stored channels-last."""
    import torch

    layout = torch.channels_last if weight.ndim == 4 else torch.channels_last_3d
    return weight.is_contiguous(memory_format=layout)


def imported_modules(path: Path) -> set[str]:
    """The modules a Python file imports, by name (from its syntax, without running it)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names
