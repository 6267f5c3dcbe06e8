"""`paintsundo batch` as a user runs it: what fails before any picture starts, messages printed as
plain text, and the exit status of a command stopped by SIGTERM."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

from conftest import ROOT

TINY = ["--frames", "8", "--size", "64"]
# The command on an install without some packages (as on the README's first install, with no extras).
WITHOUT = (
    "import sys\nfor name in {names!r}: sys.modules[name] = None\nfrom paintsundo.cli import main\nmain()"
)


@pytest.fixture
def art(tmp_path: Path) -> Path:
    """Two tiny pictures."""
    folder = tmp_path / "art"
    folder.mkdir()
    for index in range(2):
        Image.new("RGB", (48, 64), (index * 120, 80, 40)).save(folder / f"a{index}.png")
    return folder


def paintsundo(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["paintsundo", *args], capture_output=True, text=True, cwd=cwd, timeout=120)


def one_error_line(result: subprocess.CompletedProcess) -> str:
    """The message of a run that failed as a user's mistake: status 2, one `error:` line."""
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0].removeprefix("error: ")


def last_line(result: subprocess.CompletedProcess) -> str:
    return result.stderr.strip().splitlines()[-1]


def files_under(folder: Path) -> list[str]:
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*"))


@pytest.mark.parametrize(
    ("output", "message"),
    [
        ("notes.txt/videos", "notes.txt is a file, not a folder"),  # a folder that cannot be made
        ("notes.txt", "notes.txt is a file, not a folder"),
        ("/proc/paintsundo-videos", "cannot write output folder /proc/paintsundo-videos: "),
        ("/proc", "cannot write output folder /proc: "),  # a folder that takes no new files
    ],
)
def test_an_output_folder_that_cannot_be_written_is_one_line(art, tmp_path, output, message):
    (tmp_path / "notes.txt").write_text("mine\n")
    before = files_under(tmp_path)
    result = paintsundo("batch", str(art), "-o", output, *TINY, cwd=tmp_path)
    assert message in one_error_line(result)
    assert files_under(tmp_path) == before and (tmp_path / "notes.txt").read_text() == "mine\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "the neural engine needs torch, diffusers: install paintsundo[neural]"),
        (["--colorize"], "the neural colourist needs torch, diffusers: install paintsundo[neural]"),
    ],
)
def test_a_neural_batch_without_the_neural_extra_fails_once_before_any_picture(art, tmp_path, args, message):
    script = WITHOUT.format(names=["torch", "diffusers"])
    command = [sys.executable, "-c", script, "batch", str(art), "-o", "out", "--engine", "neural", *args]
    result = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert one_error_line(result).startswith(message)
    assert not (tmp_path / "out").exists()


def test_messages_keep_their_brackets(art, tmp_path):
    """Paths and errors are printed as they are, never read as Rich markup."""
    broken = art / "broken[neural].png"
    broken.write_bytes(b"not a picture")
    result = paintsundo("batch", str(art), "-o", "out", *TINY, cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert f"failed: {broken}: " in result.stderr
    drawn = paintsundo("run", str(art / "a0.png"), "-o", "[draft].mp4", *TINY, cwd=tmp_path)
    assert drawn.returncode == 0, drawn.stderr
    assert "wrote [draft].mp4" in drawn.stderr and "manifest: [draft].mp4.json" in drawn.stderr


def test_a_rerun_counts_each_picture_once(art, tmp_path):
    for name in ("broken.png", "empty.png"):
        (art / name).write_bytes(b"not a picture" if name == "broken.png" else b"")
    first = paintsundo("batch", str(art), "-o", "out", *TINY, "-q", cwd=tmp_path)
    assert last_line(first).startswith("2 done, 2 failed, 0 already finished"), first.stderr
    again = paintsundo("batch", str(art), "-o", "out", *TINY, "-q", cwd=tmp_path)
    assert last_line(again).startswith("0 done, 2 failed, 2 already finished"), again.stderr
    assert again.returncode == 1, "the failed pictures still fail the batch"


def test_sigterm_stops_a_run_with_143_and_leaves_nothing(art, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    command = ["paintsundo", "run", str(art / "a0.png"), "-o", str(out / "long.mp4")]
    process = subprocess.Popen(
        [*command, "--frames", "400", "--size", "1024"], stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 60
    while not any(out.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert any(out.iterdir()), "the run never started writing"
    process.send_signal(signal.SIGTERM)
    _, errors = process.communicate(timeout=60)
    assert process.returncode == 128 + signal.SIGTERM, errors
    assert "interrupted" in errors and "Traceback" not in errors
    assert list(out.iterdir()) == [], "no partial files"


def test_the_readme_s_python_example_runs_as_a_script(art, tmp_path):
    """The README's run_batch example, as written (with its main guard), run as a script."""
    readme = (ROOT / "README.md").read_text()
    example = next(block for block in readme.split("```python")[1:] if "run_batch(" in block).split("```")[0]
    example = example.replace('"art/"', repr(str(art))).replace(
        "Settings()", "Settings(engine='procedural', frames=6, size='64', hold=0)"
    )
    script = tmp_path / "example.py"
    script.write_text(example)
    result = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, cwd=tmp_path, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stdout.split() == ["2", "0", "0"], "each picture drawn once, by the workers"
    assert sorted(path.name for path in (tmp_path / "videos").glob("*.mp4")) == ["a0.mp4", "a1.mp4"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--count", "3"], "--count colour sketches: add --colorize, or leave them out"),
        (["--shading", "cel", "--layers"], "--shading, --layers colour sketches: add --colorize"),
        (["--colorize", "--shading", "flat"], "unknown shading 'flat': choose one of auto, soft, cel"),
        (["--colorize", "--engine", "neural", "--shading", "cel"], "--shading is the procedural colourist's"),
    ],
)
def test_colouring_options_are_refused_where_they_would_do_nothing(art, tmp_path, args, message):
    result = paintsundo("batch", str(art), "-o", "out", *TINY, *args, cwd=tmp_path)
    assert one_error_line(result).startswith(message)
    assert not (tmp_path / "out").exists()
