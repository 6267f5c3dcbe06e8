"""`paintsundo download` where it cannot do its work: it says so in one line, before any fetch."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest

# The command with these packages unimportable, as on an install without their extra.
BLOCKED = (
    "import sys\nfor name in {names!r}: sys.modules[name] = None\nfrom paintsundo.cli import main\nmain()"
)


def closed_port() -> int:
    """A local port nothing listens on: a connection to it is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def download(tmp_path, *args: str, blocked: tuple[str, ...] = (), **env: str) -> tuple[list[str], int]:
    """The command's stderr lines and exit status, with a hub that refuses every connection."""
    environment = {k: v for k, v in os.environ.items() if k != "HF_HUB_OFFLINE"}
    environment.update(HF_HOME=str(tmp_path / "hf"), HF_ENDPOINT=f"http://127.0.0.1:{closed_port()}", **env)
    script = BLOCKED.format(names=list(blocked))
    command = [sys.executable, "-c", script, "download", *args, "--to", str(tmp_path / "weights")]
    result = subprocess.run(command, capture_output=True, text=True, env=environment, timeout=120)
    return result.stderr.strip().splitlines(), result.returncode


@pytest.mark.parametrize("args", [[], ["--colorize"]], ids=["undo-models", "colourist"])
def test_an_unreachable_hub_is_one_line_within_seconds(tmp_path, args):
    started = time.monotonic()
    lines, status = download(tmp_path, *args)
    assert status == 2 and len(lines) == 1, lines
    assert lines[0].startswith("error: cannot reach the Hugging Face Hub at http://127.0.0.1:"), lines[0]
    assert "give DIR as the models folder (--models)" in lines[0]
    assert time.monotonic() - started < 10, "found out at once, without huggingface_hub's retries"
    assert not (tmp_path / "weights").exists()


def test_offline_mode_is_said_instead_of_asking_the_hub(tmp_path):
    lines, status = download(tmp_path, "--colorize", HF_HUB_OFFLINE="1")
    assert status == 2 and len(lines) == 1, lines
    assert lines[0].startswith("error: HF_HUB_OFFLINE is set, so the Hugging Face Hub is not asked"), lines[0]


@pytest.mark.parametrize(
    ("args", "user"),
    [([], "the neural engine"), (["--colorize"], "the neural colourist")],
    ids=["undo", "colour"],
)
def test_without_the_neural_extra_it_says_so_before_any_fetch(tmp_path, args, user):
    lines, status = download(tmp_path, *args, blocked=("torch", "diffusers"))
    assert status == 2 and len(lines) == 1, lines
    expected = f"error: {user}, which the weights are for, needs torch, diffusers: install paintsundo[neural]"
    assert lines[0].startswith(expected), lines[0]
    assert not (tmp_path / "weights").exists()
