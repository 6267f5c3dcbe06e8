"""The `paintsundo` console script, run as a user runs it."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import av
import pytest

from conftest import phone_portrait, png_claiming

SMALL = ["--frames", "20", "--size", "96x128"]


def paintsundo(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(["paintsundo", *args], capture_output=True, text=True, cwd=cwd, timeout=120)


def test_version_and_help():
    from paintsundo import __version__

    assert paintsundo("--version").stdout.strip() == f"paintsundo {__version__}"
    assert "--contact-sheet" in paintsundo("run", "--help").stdout


def test_run_end_to_end_through_the_console_script(small_png, tmp_path):
    result = paintsundo("run", str(small_png), "-o", str(tmp_path / "clip.mp4"), *SMALL, "--contact-sheet")
    assert result.returncode == 0, result.stderr
    assert "engine: procedural" in result.stderr
    with av.open(str(tmp_path / "clip.mp4")) as container:
        assert sum(1 for _ in container.decode(video=0)) == 20 + 4
    manifest = json.loads((tmp_path / "clip.mp4.json").read_text())
    assert manifest["settings"]["frames"] == 20
    assert (tmp_path / "clip.mp4.contact.png").stat().st_size > 0


def test_default_output_is_beside_the_input(small_png):
    result = paintsundo("run", str(small_png), *SMALL, "--format", "gif", "-q")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert small_png.with_suffix(".gif").exists()
    assert small_png.with_name("picture.gif.json").exists()


def test_duration_sets_the_frames_or_the_fps(small_png, tmp_path):
    paintsundo(
        "run", str(small_png), "-o", str(tmp_path / "a.mp4"), "--duration", "5", "--fps", "6", "--size", "64"
    )
    assert json.loads((tmp_path / "a.mp4.json").read_text())["settings"]["frames"] == 30
    paintsundo(
        "run",
        str(small_png),
        "-o",
        str(tmp_path / "b.mp4"),
        "--duration",
        "5",
        "--frames",
        "20",
        "--size",
        "64",
    )
    assert json.loads((tmp_path / "b.mp4.json").read_text())["settings"]["fps"] == 4


def test_run_repeats_from_its_manifest(small_png, tmp_path):
    first = tmp_path / "first" / "picture_frames"
    settings = ["--seed", "77", "--no-flip", "--stages", "sketch=1,lineart=1,flat=1,shading=1,detail=1"]
    made = paintsundo("run", str(small_png), "-o", str(first.parent), "--format", "frames", *SMALL, *settings)
    assert made.returncode == 0, made.stderr
    recorded = str(first.with_name("picture_frames.json"))
    second = tmp_path / "second" / "picture_frames"
    result = paintsundo("run", "--from-manifest", recorded, "-o", f"{second.parent}/")
    assert result.returncode == 0, result.stderr
    assert json.loads(second.with_name("picture_frames.json").read_text())["settings"]["seed"] == 77
    for one, two in zip(sorted(first.iterdir()), sorted(second.iterdir()), strict=True):
        assert one.read_bytes() == two.read_bytes()
    ignored = paintsundo("run", "--from-manifest", recorded, "-o", str(tmp_path / "x.mp4"), "--frames", "10")
    assert ignored.returncode == 2 and not (tmp_path / "x.mp4").exists()
    assert ignored.stderr.startswith("error: --from-manifest repeats the recorded run") and "--frames" in (
        ignored.stderr
    )
    assert len(ignored.stderr.strip().splitlines()) == 1
    small_png.write_bytes(small_png.read_bytes() + b"changed")
    changed = paintsundo("run", "--from-manifest", recorded, "-o", str(tmp_path / "third.mp4"))
    assert changed.returncode == 2 and "has changed" in changed.stderr


def test_the_report_says_how_long_the_video_plays_and_how_long_it_took(small_png, tmp_path):
    result = paintsundo("run", str(small_png), "-o", str(tmp_path / "clip.mp4"), *SMALL)
    assert result.returncode == 0, result.stderr
    assert re.search(
        r"wrote \S+clip\.mp4: a 6\.0 s video \(20 frames \+ 4 held at 4 fps\), made in [\d.]+ s",
        (result.stderr),
    ), result.stderr


def test_phone_portraits_stay_upright_and_whole(tmp_path):
    portrait = phone_portrait(tmp_path, 6)
    result = paintsundo("run", str(portrait), "-o", str(tmp_path / "clip.mp4"), "--frames", "8")
    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "clip.mp4.json").read_text())
    assert manifest["input"]["size"] == [480, 640] and manifest["output"]["size"] == [480, 640]


def test_a_stage_named_alone_keeps_the_others(small_png, tmp_path):
    out = tmp_path / "clip.mp4"
    result = paintsundo(
        "run", str(small_png), "-o", str(out), "--frames", "60", "--size", "96", "--stages", "sketch=0.5"
    )
    assert result.returncode == 0, result.stderr
    manifest = json.loads(out.with_name("clip.mp4.json").read_text())
    assert manifest["settings"]["stage_weights"] == {"sketch": 0.5}
    assert manifest["workflow"]["workflow"] == "cel" and manifest["workflow"]["reason"].startswith("auto: ")
    lengths = {stage["name"]: stage["end"] - stage["start"] for stage in manifest["stages"]}
    assert all(lengths[name] >= 8 for name in ("lineart", "flat", "shading", "detail")), lengths
    assert lengths["sketch"] > 2 * lengths["lineart"]
    assert "keep" in paintsundo("run", "--help").stdout
    lacking = paintsundo(
        "run", str(small_png), "-o", str(out), "--workflow", "painting", "--stages", "sketch=1"
    )
    assert lacking.returncode == 2 and "the painting workflow has no stage 'sketch'" in lacking.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "picture.png", "--frames", "abc"], "error: Invalid value for '--frames'"),
        (["run", "picture.png", "--bogus"], "error: No such option: --bogus"),
        (["paint", "picture.png"], "error: No such command 'paint'"),
        (["batch"], "error: Missing argument"),
    ],
)
def test_unparsable_command_lines_get_one_error_line(small_png, args, message):
    result = paintsundo(*args, cwd=small_png.parent)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(message), result.stderr
    assert "--help" in lines[0] and "╭" not in result.stderr and "Traceback" not in result.stderr


def test_bare_command_shows_the_help():
    result = paintsundo()
    assert result.returncode == 0 and "Commands" in result.stdout and "run" in result.stdout


BLOCKED = (
    "import sys\nfor name in {names!r}: sys.modules[name] = None\nfrom paintsundo.cli import main\nmain()"
)


@pytest.mark.parametrize(
    ("args", "blocked", "message"),
    [
        (["download", "--to", "w"], ["huggingface_hub"], "downloading the weights needs huggingface_hub"),
        (["keyframes", "picture.png"], ["torch", "diffusers"], "the neural engine needs torch, diffusers"),
        (
            ["app", "--port", "1"],
            ["gradio", "gradio_client"],
            "the web app needs gradio: install paintsundo[app]",
        ),
    ],
)
def test_commands_name_the_extra_they_need(small_png, args, blocked, message):
    """As on the README's first install, which has no extras."""
    script = BLOCKED.format(names=blocked)
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        cwd=small_png.parent,
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {message}"), result.stderr
    assert time.monotonic() - started < 30
    assert sorted(p.name for p in small_png.parent.iterdir()) == ["picture.png"]


def bad_inputs(tmp_path: Path, example: Path) -> dict[str, Path]:
    truncated = tmp_path / "truncated.jpg"
    truncated.write_bytes(example.read_bytes()[:5000])
    text = tmp_path / "notes.png"
    text.write_text("not a picture\n" * 10)
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(png_claiming(12_000, 12_000))
    return {
        "missing": tmp_path / "missing.png",
        "truncated": truncated,
        "text": text,
        "empty": empty,
        "bomb": bomb,
    }


def test_bad_inputs_fail_with_one_line_exit_2_and_no_output(tmp_path, example_paths):
    out = tmp_path / "out"
    out.mkdir()
    for name, path in bad_inputs(tmp_path, example_paths[2]).items():
        result = paintsundo("run", str(path), "-o", str(out / f"{name}.mp4"), *SMALL)
        assert result.returncode == 2, (name, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), (name, result.stderr)
        assert "Traceback" not in result.stderr
    assert list(out.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--frames", "10", "--fps", "2", "--duration", "5"], "at most two"),
        (["--engine", "neural"], "neural engine"),
        (["--engine", "magic"], "unknown engine"),
        (["--size", "huge"], "cannot read size"),
        (["--stages", "sketch=1,dance=2"], "the cel workflow has no stage 'dance'"),
        (["-o", "clip.avi"], "cannot tell the format"),
        (["--frames", "1"], "frames must be"),
    ],
)
def test_bad_options_fail_clearly(small_png, tmp_path, args, message):
    result = paintsundo("run", str(small_png), *args, cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["picture.png"]


def test_unwritable_output_fails_clearly(small_png, tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("in the way")
    result = paintsundo("run", str(small_png), "-o", str(blocker / "clip.mp4"), *SMALL)
    assert result.returncode == 2
    assert (
        result.stderr.startswith("error: cannot write output")
        and len(result.stderr.strip().splitlines()) == 1
    )


def test_ctrl_c_leaves_no_temporary_files(small_png, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    command = [
        "paintsundo",
        "run",
        str(small_png),
        "-o",
        str(out / "long.mp4"),
        "--frames",
        "5000",
        "--size",
        "320",
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not any(out.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert any(out.iterdir()), "the run never started writing"
    time.sleep(0.3)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    assert list(out.iterdir()) == []


def test_module_entry_point(small_png, tmp_path):
    env = {**os.environ, "PYTHONWARNINGS": "error::DeprecationWarning"}
    result = subprocess.run(
        [sys.executable, "-m", "paintsundo", "run", str(small_png), "-o", str(tmp_path / "m.webp"), *SMALL],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "m.webp").exists()


def test_library_errors_name_the_setting_and_the_cli_names_the_flag(small_png, tmp_path):
    """The library speaks of settings; only the CLI knows their flags."""
    from paintsundo import Settings, draw_process
    from paintsundo.errors import PaintsUndoError

    with pytest.raises(PaintsUndoError) as caught:
        draw_process(small_png, Settings(engine="procedural"), user_keyframes=[(small_png, 500)])
    assert caught.value.setting == "engine" and "--" not in str(caught.value)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "paintsundo",
            "run",
            str(small_png),
            "-o",
            str(tmp_path / "a.mp4"),
            "--engine",
            "procedural",
            "--keyframe",
            f"{small_png}@500",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().endswith("(--engine)"), result.stderr
