"""The reference app's whole flow reproduced on tiny checkpoints in the released layout."""

from __future__ import annotations

import json
import subprocess
import sys

from safetensors.torch import load_file

from conftest import ROOT

DATA = ROOT / "tests" / "data"


def test_conformance_e2e_reproduces_the_reference_flow(tmp_path):
    command = [
        sys.executable,
        "-m",
        "paintsundo.undo.conformance",
        "e2e",
        str(DATA / "tiny-release"),
        str(DATA / "reference" / "e2e"),
        str(tmp_path),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "prompt: matches" in result.stdout
    expected = load_file(DATA / "reference" / "e2e" / "e2e.io.safetensors")
    ours = load_file(tmp_path / "e2e.out.safetensors")
    for name in ("keyframes", "video"):
        assert ours[name].shape == expected[name].shape
        assert (ours[name].int() - expected[name].int()).abs().max() <= 2, name
    case = json.loads((DATA / "reference" / "e2e" / "e2e.json").read_text())
    assert json.loads((tmp_path / "e2e.out.json").read_text())["prompt"] == case["prompt"]
