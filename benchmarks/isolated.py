"""Run a command in a fresh process that sees only the distributions `pip install
"paintsundo[neural]"` brings (see _shared/isolated.py), as a user's would.

    python benchmarks/isolated.py [--extras neural] -- COMMAND ...
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from _shared.isolated import isolated_environment, python


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--extras", default="neural")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    extras = tuple(filter(None, args.extras.split(",")))
    with tempfile.TemporaryDirectory() as folder:
        interpreter, environment = python(isolated_environment(Path(folder), extras))
        sys.exit(subprocess.run([*interpreter, *command], env=environment).returncode)


if __name__ == "__main__":
    main()
