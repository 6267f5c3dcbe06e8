"""Speed and memory of the procedural engine, as the issue's acceptance asks. Prints a table.

    python benchmarks/procedural.py [--repeats 3] [--quick] [--workflow cel|painting|graphic|pencil|auto]

Times are wall-clock medians over repeats, in this process, for engine plus MP4 encoding
(`make_video`), next to the engine alone (frames rendered and dropped) so the share of encoding
shows. The CLI row is the whole `paintsundo run` process, interpreter start included. Peak memory
is the maximum RSS of a fresh child process that writes the video.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from _shared import ROOT
from paintsundo import Settings, draw_process, make_video

PICTURE = ROOT / "examples" / "1.jpg"


def median_seconds(action, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def in_process(size: str, frames: int, repeats: int, folder: Path, workflow: str) -> tuple[float, float]:
    settings = Settings(size=size, frames=frames, hold=0, workflow=workflow)
    full = median_seconds(lambda: make_video(PICTURE, folder / "bench.mp4", settings), repeats)
    engine = median_seconds(lambda: [None for _ in draw_process(PICTURE, settings)], repeats)
    return full, engine


def cli_seconds(size: str, frames: int, repeats: int, folder: Path, workflow: str) -> float:
    command = ["paintsundo", "run", str(PICTURE), "-o", str(folder / "cli.mp4"), "--size", size]
    command += ["--frames", str(frames), "--hold", "0", "-q", "--workflow", workflow]
    return median_seconds(lambda: subprocess.run(command, check=True), repeats)


def peak_rss_mib(size: str, frames: int, folder: Path, workflow: str) -> float:
    """Peak RSS of a child that writes the video (Linux reports ru_maxrss in KiB)."""
    code = (
        "import sys, resource; from paintsundo import Settings, make_video;"
        f"make_video({str(PICTURE)!r}, {str(folder / 'rss.mp4')!r},"
        f" Settings(size={size!r}, frames={frames}, workflow={workflow!r}));"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    output = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    return int(output.strip()) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="one repeat, skip the 1080p memory run")
    parser.add_argument("--workflow", default="auto", help="the workflow to time (auto: cel on this picture)")
    args = parser.parse_args()
    repeats = 1 if args.quick else args.repeats
    flow = args.workflow
    table = Table(title=f"procedural engine, {PICTURE.name}, workflow {flow}, median of {repeats}")
    for column in (
        "case",
        "engine + MP4 (s)",
        "engine alone (s)",
        "CLI process (s)",
        "peak RSS (MiB)",
        "budget",
    ):
        table.add_column(column, justify="right" if column != "case" else "left")
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        full, engine = in_process("512x640", 105, repeats, folder, flow)
        cli = cli_seconds("512x640", 105, repeats, folder, flow)
        table.add_row(
            "512x640, 105 frames", f"{full:.2f}", f"{engine:.2f}", f"{cli:.2f}", "", f"3 s ({full / 3:.0%})"
        )
        full, engine = in_process("1024x1280", 300, repeats, folder, flow)
        table.add_row(
            "1024x1280, 300 frames", f"{full:.2f}", f"{engine:.2f}", "", "", f"30 s ({full / 30:.0%})"
        )
        if not args.quick:
            rss = peak_rss_mib("1920x1080", 600, folder, flow)
            table.add_row("1920x1080, 600 frames", "", "", "", f"{rss:.0f}", f"1024 MiB ({rss / 1024:.0%})")
    Console(width=130).print(table)
    print(f"{os.cpu_count()} CPU cores, Python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
