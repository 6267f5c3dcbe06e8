"""What the benchmark scripts share (this package imports no torch, so that a script can set the
allocator's environment before torch imports). Each script in benchmarks/ imports from here (`from _shared.X
import ...`), never from another script: run as `python benchmarks/NAME.py`, a script has
benchmarks/ first on its path.

- `released_random`: the released models with random weights (in memory, or written in the
  released layout), and timing;
- `variants`: the neural job's variants (memory plan, CFG, steps, compiling) and one timed run;
- `call_errors`: each optimised model call against the plain one;
- `isolated`: a fresh process that sees only what `pip install "paintsundo[neural]"` installs.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the checkout
PICTURE = ROOT / "examples" / "1.jpg"  # the neural benchmarks' picture
PROMPT = "1girl, solo, smile"  # given, so the tagger is never run
# Where `released_random.write_weights` writes the random release by default, kept for the next
# script that reads it.
WEIGHTS = Path(tempfile.gettempdir()) / "paintsundo-random-weights"
