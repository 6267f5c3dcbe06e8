"""Disk the web app holds while it serves default jobs, and after Ctrl-C. Prints a table.

    python benchmarks/app_disk.py [--jobs 20] [--command paintsundo]

Starts `paintsundo app` (or --command, e.g. an older checkout's launcher) with a temp folder of its
own, runs default procedural jobs (105 frames, 640 on the long side, every habit) through
gradio_client, and measures that folder after each job, then 10 s after Ctrl-C.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from gradio_client import Client, handle_file

from paintsundo.undo.procedural import BEHAVIOURS

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "2.jpg"
PORT = 7931


def mebibytes(folder: Path) -> float:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file()) / 2**20


def start(command: str, temp: Path) -> subprocess.Popen:
    env = {**os.environ, "TMPDIR": str(temp), "HF_HUB_OFFLINE": "1"}
    server = subprocess.Popen(
        [*command.split(), "app", "--port", str(PORT)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(240):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{PORT}/", timeout=2)
            return server
        except OSError:
            time.sleep(0.5)
    server.kill()
    raise SystemExit("the app did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=20)
    parser.add_argument("--command", default="paintsundo")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="app-disk-") as work:
        temp, downloads = Path(work) / "temp", Path(work) / "downloads"
        temp.mkdir()
        tempfile.tempdir = work  # gradio_client leaves an empty folder in the temp folder per download
        server = start(args.command, temp)
        client = Client(f"http://127.0.0.1:{PORT}/", verbose=False, download_files=str(downloads))
        sizes, started = [], time.perf_counter()
        for seed in range(args.jobs):
            client.predict(handle_file(str(EXAMPLE)), 105, 4, seed, list(BEHAVIOURS), 640, api_name="/draw")
            sizes.append(mebibytes(temp))
        seconds = time.perf_counter() - started
        server.send_signal(signal.SIGINT)
        server.wait(timeout=60)
        time.sleep(10)
        left = list(temp.rglob("*"))
        print("| after | app temp folder (MiB) |\n| --- | --- |")
        for job in sorted({1, 5, 10, args.jobs} & set(range(1, args.jobs + 1))):
            print(f"| job {job} | {sizes[job - 1]:.1f} |")
        print(f"| 10 s after Ctrl-C | {mebibytes(temp):.1f} ({len(left)} files and folders) |")
        print(f"\n{args.jobs} jobs in {seconds:.1f} s; the largest the folder got: {max(sizes):.1f} MiB")
        shutil.rmtree(temp, ignore_errors=True)


if __name__ == "__main__":
    main()
