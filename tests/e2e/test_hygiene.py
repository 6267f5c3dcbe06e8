"""The suite cleans up after itself: what its tests and their servers write to temp folders is gone."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from conftest import ROOT

# Tests that start what writes to the system temp folder: a Gradio app and its client, a local Ray
# instance from the command line, a batch, a run of the command line.
SAMPLE = [
    "tests/e2e/test_app.py::test_the_same_flow_through_gradio_client",
    "tests/e2e/test_batch_ray.py::test_cli_starts_and_stops_its_own_local_ray",
    "tests/integration/test_batch.py::test_a_text_list_and_two_worker_processes",
    "tests/integration/test_cli.py::test_run_end_to_end_through_the_console_script",
]


def test_tests_leave_nothing_in_the_system_temp_folder():
    # Directly in this suite's temp folder, not in tmp_path: Ray's socket paths must stay short.
    temp = Path(tempfile.mkdtemp(prefix="h"))
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *SAMPLE],
        cwd=ROOT,
        env={**os.environ, "TMPDIR": str(temp)},
        capture_output=True,
        text=True,
        timeout=400,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert f"{len(SAMPLE)} passed" in result.stdout
    assert sorted(str(path) for path in temp.rglob("*")) == []
    temp.rmdir()
