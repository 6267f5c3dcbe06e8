"""`paintsundo run`: what a new user's second hour of mistakes gets back (issue 35)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

TINY = ["--frames", "8", "--size", "64"]


def paintsundo(*args: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["paintsundo", *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=120
    )


def one_error_line(result: subprocess.CompletedProcess) -> str:
    """The run failed as a user's mistake: exit 2 and one `error:` line, no traceback."""
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


def help_text(command: str) -> str:
    """A command's help as running text: Rich's box and line breaks taken out."""
    shown = paintsundo(command, "--help").stdout
    return " ".join(shown.replace("│", " ").split())


@pytest.mark.parametrize(
    ("stages", "message"),
    [
        ("sketch=1e308,detail=1e-308", "stage weight sketch=1e+308 is out of range"),
        ("sketch=inf", "stage weight sketch=inf is out of range"),
        ("sketch=nan", "stage weight sketch=nan is out of range"),
        ("detail=-1", "stage weight detail=-1 is out of range"),
        ("sketch=0.3,sketch=0.5", "stage 'sketch' is named twice"),
    ],
)
def test_stage_weights_out_of_range_or_named_twice_are_refused(small_png, tmp_path, stages, message):
    result = paintsundo("run", str(small_png), *TINY, "--stages", stages, cwd=tmp_path)
    line = one_error_line(result)
    assert message in line and line.endswith("(--stages)"), line
    if "range" in message:
        assert "from 0.001 to 1000" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["picture.png"]


def test_the_widest_stage_weights_allowed_draw(small_png, tmp_path):
    out = tmp_path / "wide.gif"
    result = paintsundo("run", str(small_png), "-o", str(out), *TINY, "--stages", "sketch=1000,detail=0.001")
    assert result.returncode == 0, result.stderr
    assert out.is_file()


def test_the_stages_help_lists_only_the_stages_run_accepts():
    shown = help_text("run")
    assert "pencil construction, contours, lines, tone." in shown, shown
    assert "colouring" not in shown and "highlights" not in shown


@pytest.mark.parametrize(
    ("timing", "message"),
    [
        (
            ["--duration", "1e9"],
            "--duration 1e+09 with 105 frames gives 1.05e-07 fps; fps must be between 0.1 and 240:"
            " give a duration between 0.4375 and 1050 s",
        ),
        (
            ["--duration", "1e9", "--fps", "4"],
            "--duration 1e+09 at 4 fps gives 4e+09 frames; frames must be at most 100000:"
            " give a duration up to 25000 s",
        ),
        (["--duration", "5", "--fps", "1e308"], "fps must be between 0.1 and 240, got 1e+308 (--fps)"),
    ],
)
def test_a_duration_out_of_range_names_the_option_and_its_limits(small_png, tmp_path, timing, message):
    line = one_error_line(paintsundo("run", str(small_png), "--size", "64", *timing, cwd=tmp_path))
    assert line == f"error: {message}"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["picture.png"]


def test_a_recorded_run_repeats_into_the_format_of_its_output_name(small_png, tmp_path):
    made = paintsundo("run", str(small_png), "-o", str(tmp_path / "st1.mp4"), *TINY)
    assert made.returncode == 0, made.stderr
    again = tmp_path / "again.gif"
    result = paintsundo("run", "--from-manifest", str(tmp_path / "st1.mp4.json"), "-o", str(again))
    assert result.returncode == 0, result.stderr
    assert again.read_bytes().startswith(b"GIF8")
    assert json.loads((tmp_path / "again.gif.json").read_text())["output"]["format"] == "gif"


def test_a_recorded_run_refuses_another_picture_and_names_the_flag_given(small_png, tmp_path):
    made = paintsundo("run", str(small_png), "-o", str(tmp_path / "st1.mp4"), *TINY)
    assert made.returncode == 0, made.stderr
    recorded = str(tmp_path / "st1.mp4.json")
    other = tmp_path / "other.png"
    other.write_bytes(small_png.read_bytes() + b"another picture")
    repeat = ["run", "--from-manifest", recorded, "-o", "x.mp4"]
    line = one_error_line(paintsundo(*repeat, str(other), cwd=tmp_path))
    assert line == (
        f"error: {other} is not the picture the manifest recorded (st1.mp4.json's input was"
        f" {small_png.resolve()}): give that picture, or leave IMAGE out"
    )
    line = one_error_line(paintsundo(*repeat, "--no-flip", cwd=tmp_path))
    assert "so --no-flip would be ignored: drop --no-flip," in line
    assert not (tmp_path / "x.mp4").exists()


def test_frames_named_like_a_video_are_a_suffix_that_disagrees(small_png, tmp_path):
    result = paintsundo("run", str(small_png), *TINY, "--format", "frames", "-o", "f/fr.mp4", cwd=tmp_path)
    line = one_error_line(result)
    assert "the output 'fr.mp4' ends in '.mp4' but the format asked for is frames" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["picture.png"]


@pytest.mark.parametrize(
    "neural",
    [["--prompt", "hi"], ["--gpus", "0,1"], ["--compile"], ["--device", "cuda"], ["--models", "/none"]],
)
def test_the_procedural_engine_asked_for_refuses_the_neural_engines_options(small_png, tmp_path, neural):
    result = paintsundo("run", str(small_png), *TINY, "--engine", "procedural", *neural, cwd=tmp_path)
    line = one_error_line(result)
    assert line == (
        f"error: {neural[0]} is for the neural engine only, but --engine procedural was asked for:"
        " drop it, or choose --engine neural"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["picture.png"]


def test_auto_says_which_neural_options_the_procedural_engine_did_not_use(small_png, tmp_path):
    out = tmp_path / "auto.gif"
    result = paintsundo("run", str(small_png), "-o", str(out), *TINY, "--prompt", "hi", "--compile")
    assert result.returncode == 0, result.stderr
    assert (
        "not used by the procedural engine: --compile, --prompt (neural engine only);"
        " auto chose it: no neural weights found" in result.stderr
    ), result.stderr
    assert out.is_file()


# The command as on an install without the neural extra.
BLOCKED = (
    "import sys\nfor name in ('torch', 'diffusers'): sys.modules[name] = None\n"
    "from paintsundo.cli import main\nmain()"
)


def test_user_keyframes_without_the_neural_extra_say_both_what_to_install_and_choose(small_png, tmp_path):
    """As on the README's first install, which has no extras."""
    mine = f"{small_png}@800"
    command = [sys.executable, "-c", BLOCKED, "run", str(small_png), *TINY, "--keyframe", mine]
    result = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, timeout=60)
    line = one_error_line(result)
    assert line == (
        "error: user keyframes need the neural engine, and it needs torch, diffusers: install"
        " paintsundo[neural] (after the torch build for your machine), then choose it (--engine)"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["picture.png"]


def odd_pictures(folder: Path) -> dict[str, Path]:
    """A 1x1 picture, a blank white one, and an animated GIF."""
    from PIL import Image

    Image.new("RGB", (1, 1), (200, 30, 30)).save(folder / "dot.png")
    Image.new("RGB", (300, 400), "white").save(folder / "blank.png")
    frames = [Image.new("RGB", (80, 80), color) for color in ("red", "blue", "green")]
    for index, frame in enumerate(frames):  # something to draw on each frame
        frame.paste((255, 255, 255), (index * 10, 10, index * 10 + 30, 40))
    frames[0].save(folder / "moving.gif", save_all=True, append_images=frames[1:], duration=100)
    return {name: folder / name for name in ("dot.png", "blank.png", "moving.gif")}


@pytest.mark.parametrize(
    ("name", "warnings"),
    [
        (
            "dot.png",
            [
                "the picture is only 1x1 pixels, enlarged 64 times to 64x64: its video shows little;"
                " give a larger picture",
                "the picture is one flat colour, rgb(200, 30, 30): its video shows nothing being drawn",
            ],
        ),
        (
            "blank.png",
            ["the picture is one flat colour, rgb(255, 255, 255): its video shows nothing being drawn"],
        ),
        ("moving.gif", ["the picture is an animation of 3 frames: only its first frame is drawn"]),
    ],
)
def test_pictures_that_show_little_are_drawn_with_a_warning_each(tmp_path, name, warnings):
    picture = odd_pictures(tmp_path)[name]
    out = tmp_path / "out.mp4"
    result = paintsundo("run", str(picture), "-o", str(out), *TINY)
    assert result.returncode == 0, result.stderr
    said = [
        line.removeprefix("warning: ") for line in result.stderr.splitlines() if line.startswith("warning:")
    ]
    assert said == warnings
    assert json.loads((tmp_path / "out.mp4.json").read_text())["warnings"] == warnings
