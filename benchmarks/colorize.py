"""Speed of the procedural colourist at 1024x1024, with its layers and its video. Prints a table.

    python benchmarks/colorize.py [--repeats 3] [--side 1024] [--frames 105]

The sketch is the turtle of tests/data/kinds (a pen drawing, Apache-2.0) scaled to SIDE pixels, with
five scribbles. Rows: the colouring alone (layers computed, nothing written), the picture with its
manifest and OpenRaster layers, the video of it being coloured (MP4, FRAMES frames), each a median
of in-process repeats after the first run (which is also shown); and the whole `paintsundo colorize`
command as a fresh process, interpreter start included, as a user meets it.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
from PIL import Image
from rich.console import Console
from rich.table import Table

from _shared import ROOT
from paintsundo.coloring.api import make_colorized
from paintsundo.coloring.procedural import colorize_layers
from paintsundo.undo.settings import Settings

TURTLE = ROOT / "tests" / "data" / "kinds" / "pencil-turtle.png"
# (from, to, colour) in the turtle's own 480-pixel coordinates
SCRIBBLES = [
    ((240, 200), (320, 220), (120, 150, 60)),
    ((90, 235), (140, 250), (200, 190, 120)),
    ((300, 330), (340, 335), (230, 200, 90)),
    ((195, 330), (215, 380), (200, 190, 120)),
    ((40, 440), (120, 450), (170, 210, 240)),
]


def inputs(side: int, folder: Path) -> tuple[Path, Path]:
    """The sketch and its hints at `side` pixels, written into `folder`."""
    with Image.open(TURTLE) as image:
        sketch = image.convert("RGB").resize((side, side), Image.Resampling.BICUBIC)
    scale = side / 480
    hints = np.zeros((side, side, 4), np.uint8)
    for start, end, color in SCRIBBLES:
        points = [tuple(round(value * scale) for value in point) for point in (start, end)]
        cv2.line(hints, points[0], points[1], (*color, 255), max(4, round(7 * scale)))
    sketch.save(folder / "sketch.png")
    Image.fromarray(hints).save(folder / "sketch.hints.png")
    return folder / "sketch.png", folder / "sketch.hints.png"


def timed(action, repeats: int) -> tuple[float, float]:
    """Seconds of the first run, and the median of `repeats` more."""
    times = []
    for _ in range(repeats + 1):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return times[0], statistics.median(times[1:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--side", type=int, default=1024)
    parser.add_argument("--frames", type=int, default=105)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        sketch_path, hints_path = inputs(args.side, folder)
        sketch = np.asarray(Image.open(sketch_path).convert("RGB"))
        hints = np.asarray(Image.open(hints_path))
        video = Settings(frames=args.frames, hold=0)
        rows = {
            "colouring alone": timed(lambda: colorize_layers(sketch, hints, seed=1), args.repeats),
            "picture, manifest, .ora": timed(
                lambda: make_colorized(sketch_path, folder / "out.png", hints=hints_path, layers=True),
                args.repeats,
            ),
            f"the same, and a {args.frames}-frame MP4": timed(
                lambda: make_colorized(
                    sketch_path,
                    folder / "out.png",
                    hints=hints_path,
                    layers=True,
                    video=folder / "out.mp4",
                    video_settings=video,
                ),
                args.repeats,
            ),
        }
        command = ["paintsundo", "colorize", str(sketch_path), "-o", str(folder / "cli.png")]
        command += ["--hints", str(hints_path), "--layers", "-q"]
        rows["`paintsundo colorize --layers`, fresh process"] = timed(
            lambda: subprocess.run(command, check=True), args.repeats
        )
    table = Table(title=f"procedural colorize, {args.side}x{args.side}")
    for column in ("what", "first run s", f"median of {args.repeats} s"):
        table.add_column(column)
    for name, (first, median) in rows.items():
        table.add_row(name, f"{first:.2f}", f"{median:.2f}")
    Console().print(table)


if __name__ == "__main__":
    main()
