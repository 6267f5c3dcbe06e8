"""What a fresh process spends before any picture: starting the command, importing torch, importing the
neural pipeline. Prints a table of medians over fresh processes, as installed here and, beside it,
seeing only paintsundo[neural]'s dependencies (_shared/isolated.py).

    python benchmarks/startup.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from _shared.isolated import isolated_environment, python

PIPELINE = "import paintsundo.undo.pipeline.paints_undo as pipeline"
START_CUDA = "pipeline.torch.cuda.is_available() and pipeline.torch.cuda.init()"
ROWS = (
    ("`paintsundo --help` (the command's start)", ["-m", "paintsundo", "--help"]),
    ("import torch", ["-c", "import torch"]),
    ("import the neural pipeline (torch, diffusers, transformers)", ["-c", PIPELINE]),
    ("the same, and start CUDA (where there is a GPU)", ["-c", f"{PIPELINE}; {START_CUDA}"]),
)


def seconds(arguments: list[str], isolated: dict | None) -> float:
    """Wall seconds of one fresh Python process (isolated, given `isolated_environment`'s variables)."""
    interpreter, environment = python(isolated)
    started = time.perf_counter()
    subprocess.run([*interpreter, *arguments], check=True, env=environment, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        isolated = isolated_environment(Path(folder))
        print(f"{'fresh process, median of ' + str(args.repeats):64} {'installed':>10} {'isolated':>10}")
        for what, arguments in ROWS:
            medians = []
            for variables in (None, isolated):
                seconds(arguments, variables)  # the files into the page cache
                runs = [seconds(arguments, variables) for _ in range(args.repeats)]
                medians.append(statistics.median(runs))
            print(f"{what:64} {medians[0]:9.2f}s {medians[1]:9.2f}s", flush=True)


if __name__ == "__main__":
    main()
