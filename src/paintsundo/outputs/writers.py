"""Frame sinks for each output format. MP4 streams to the encoder; GIF and WebP hold their frames."""

from __future__ import annotations

import collections
import os
from concurrent.futures import Future, ThreadPoolExecutor
from fractions import Fraction
from pathlib import Path
from typing import Protocol

import numpy as np
from PIL import Image
from PIL.PngImagePlugin import PngInfo

EXIF_IMAGE_DESCRIPTION = 0x010E
EXIF_SOFTWARE = 0x0131


class FrameWriter(Protocol):
    def add(self, frame: np.ndarray) -> None: ...

    def close(self) -> None: ...


class Mp4Writer:
    """H.264 in MP4, yuv420p so that every player plays it; frames go straight to the encoder."""

    def __init__(self, path: Path, fps: float, hold_frames: int, provenance: str) -> None:
        import av  # FFmpeg's libraries load with it: only a video needs them

        self._av = av
        self._container = av.open(str(path), mode="w", format="mp4", options={"movflags": "+faststart"})
        self._container.metadata.update(
            {"comment": provenance, "description": provenance, "encoder": "paintsundo"}
        )
        self._stream = None
        self._rate = Fraction(fps).limit_denominator(1001)
        self._hold_frames = hold_frames
        self._last: np.ndarray | None = None

    def add(self, frame: np.ndarray) -> None:
        if self._stream is None:
            self._stream = self._container.add_stream("libx264", rate=self._rate)
            self._stream.height, self._stream.width = frame.shape[:2]
            self._stream.pix_fmt = "yuv420p"
            self._stream.options = {"crf": "18", "preset": "veryfast"}
        self._encode(frame)
        self._last = frame

    def _encode(self, frame: np.ndarray) -> None:
        picture = self._av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format="rgb24")
        for packet in self._stream.encode(picture):
            self._container.mux(packet)

    def close(self) -> None:
        if self._last is not None:
            for _ in range(self._hold_frames):
                self._encode(self._last)
            for packet in self._stream.encode(None):
                self._container.mux(packet)
        self._container.close()


class AnimationWriter:
    """Animated GIF or WebP through Pillow; the hold lengthens the last frame."""

    def __init__(self, path: Path, format: str, fps: float, hold_seconds: float, provenance: str) -> None:
        self._path, self._format, self._provenance = path, format, provenance
        self._frame_ms = 1000.0 / fps
        self._hold_ms = hold_seconds * 1000.0
        self._frames: list[Image.Image] = []

    def add(self, frame: np.ndarray) -> None:
        self._frames.append(Image.fromarray(frame))

    def close(self) -> None:
        durations = [round(self._frame_ms)] * len(self._frames)
        durations[-1] = round(self._frame_ms + self._hold_ms)
        first, rest = self._frames[0], self._frames[1:]
        options: dict = {"save_all": True, "append_images": rest, "duration": durations, "loop": 0}
        if self._format == "gif":
            options.update(comment=self._provenance.encode(), optimize=False, disposal=1)
        else:
            exif = Image.Exif()
            exif[EXIF_IMAGE_DESCRIPTION] = self._provenance
            exif[EXIF_SOFTWARE] = "paintsundo"
            options.update(quality=90, method=4, exif=exif.tobytes())
        first.save(self._path, format=self._format.upper(), **options)
        self._frames.clear()


def png_provenance(provenance: str) -> PngInfo:
    """The text chunks every PNG the program writes carries."""
    info = PngInfo()
    info.add_text("Description", provenance)
    info.add_text("Software", "paintsundo")
    return info


class PngFramesWriter:
    """A folder of numbered PNG frames; each carries the provenance in a text chunk. Frames are
    compressed on a few threads, since Pillow lets go of the GIL while it encodes; the first
    failure is raised by `add` or `close`."""

    def __init__(self, folder: Path, provenance: str, threads: int | None = None) -> None:
        self._folder = folder
        self._info = png_provenance(provenance)
        self._count = 0
        self._threads = threads or min(8, os.cpu_count() or 1)
        self._pool = ThreadPoolExecutor(self._threads, thread_name_prefix="png")
        self._pending: collections.deque[Future] = collections.deque()

    def add(self, frame: np.ndarray) -> None:
        path = self._folder / f"frame_{self._count:05d}.png"
        picture = Image.fromarray(np.array(frame))  # a copy: a drawing may reuse its canvas
        self._pending.append(self._pool.submit(picture.save, path, pnginfo=self._info, compress_level=1))
        self._count += 1
        while len(self._pending) > 2 * self._threads:  # a few frames ahead, not the whole video
            self._pending.popleft().result()

    def close(self) -> None:
        try:
            while self._pending:
                self._pending.popleft().result()
        finally:
            self._pool.shutdown(cancel_futures=True)


def open_writer(format: str, path: Path, fps: float, hold_seconds: float, provenance: str) -> FrameWriter:
    if format == "mp4":
        return Mp4Writer(path, fps, round(hold_seconds * fps), provenance)
    if format in ("gif", "webp"):
        return AnimationWriter(path, format, fps, hold_seconds, provenance)
    if format == "frames":
        return PngFramesWriter(path, provenance)
    raise ValueError(f"unknown format {format!r}")
