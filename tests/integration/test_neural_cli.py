"""The neural engine through the console script, on tiny checkpoints in the released layout."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import av
import pytest
from PIL import Image, ImageSequence

from conftest import ROOT

MODELS = ROOT / "tests" / "data" / "tiny-release"
SMALL = [
    "--models",
    str(MODELS),
    "--device",
    "cpu",
    "--keyframe-size",
    "64x80",
    "--operation-steps",
    "400,999",
    "--keyframe-steps",
    "2",
    "--video-steps",
    "2",
    "--buckets",
    "48x64",
]


def paintsundo(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(["paintsundo", *args], capture_output=True, text=True, timeout=300, env=env)


def isolated_environment(tmp_path: Path) -> dict:
    """No weights anywhere: an empty Hugging Face cache, offline, no PAINTSUNDO_MODELS."""
    env = {k: v for k, v in os.environ.items() if k != "PAINTSUNDO_MODELS"}
    env.update(HF_HOME=str(tmp_path / "hf"), HF_HUB_OFFLINE="1")
    return env


def decoded_frames(path: Path) -> int:
    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))


def test_run_neural_writes_a_video_and_manifest(small_png, tmp_path):
    out = tmp_path / "neural.mp4"
    result = paintsundo(
        "run",
        str(small_png),
        "-o",
        str(out),
        "--engine",
        "neural",
        *SMALL,
        "--hold",
        "0",
        "--contact-sheet",
        "--memory",
        "balanced",
    )
    assert result.returncode == 0, result.stderr
    assert "engine: neural" in result.stderr
    assert decoded_frames(out) == 3 * 15, "three segments of 16 frames, each without its last"
    manifest = json.loads((tmp_path / "neural.mp4.json").read_text())
    assert manifest["engine"] == "neural" and manifest["output"]["frames"] == 45
    assert manifest["output"]["size"] == [48, 64]
    assert [k["operation_step"] for k in manifest["neural"]["keyframes"]] == [0, 400, 999, 1000]
    assert manifest["neural"]["prompt"]
    assert manifest["settings"]["keyframe_settings"]["operation_steps"] == [400, 999]
    assert [e["kind"] for e in manifest["events"]] == ["keyframe"] * 4
    assert (tmp_path / "neural.mp4.contact.png").is_file()
    assert manifest["neural"]["memory"] == "balanced" and manifest["neural"]["memory_choice"] == "asked for"
    assert manifest["neural"]["segment_batch"] == 2, "the balanced plan's"
    assert manifest["seed"] is None and manifest["seeds_used"] == {"keyframes": 12345, "video": 123}, (
        "no seed given: the reference app's pair"
    )


def test_tag_prints_the_prompt(tmp_path):
    import numpy as np
    from PIL import Image
    from safetensors.torch import load_file

    picture = load_file(ROOT / "tests" / "data" / "reference" / "e2e" / "e2e.io.safetensors")["input"].numpy()
    path = tmp_path / "e2e.png"
    Image.fromarray(np.ascontiguousarray(picture)).save(path)
    result = paintsundo("tag", str(path), "--models", str(MODELS))
    assert result.returncode == 0, result.stderr
    case = json.loads((ROOT / "tests" / "data" / "reference" / "e2e" / "e2e.json").read_text())
    assert result.stdout.strip() == case["prompt"]


def test_keyframes_command_with_a_user_keyframe(small_png, example_paths, tmp_path):
    folder = tmp_path / "keys"
    mine = f"{example_paths[0]}@700"
    result = paintsundo(
        "keyframes", str(small_png), "-o", str(folder), *SMALL[:-4], "--keyframe", mine, "--prompt", "1girl"
    )
    assert result.returncode == 0, result.stderr
    listing = json.loads((folder / "keyframes.json").read_text())
    assert listing["prompt"] == "1girl"
    assert [(k["operation_step"], k["source"]) for k in listing["keyframes"]] == [
        (0, "input"),
        (400, "generated"),
        (700, "user"),
        (999, "generated"),
        (1000, "blank"),
    ]
    assert len(list(folder.glob("keyframe_*.png"))) == 5


def test_interpolate_between_two_pictures(small_png, example_paths, tmp_path):
    out = tmp_path / "between.gif"
    args = [
        "--models",
        str(MODELS),
        "--device",
        "cpu",
        "--video-steps",
        "2",
        "--buckets",
        "48x64",
        "--hold",
        "0",
    ]
    result = paintsundo("interpolate", str(example_paths[1]), str(small_png), "-o", str(out), *args)
    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "between.gif.json").read_text())
    assert manifest["output"]["frames"] == 15 and manifest["neural"]["keyframes_given"] == 2
    assert manifest["seeds_used"] == {"video": 123}, "no keyframe was made: the video's seed alone"


def test_neural_commands_never_write_over_their_inputs(small_png, example_paths, tmp_path):
    earlier = tmp_path / "earlier.gif"  # a picture whose name is also a video's
    with Image.open(example_paths[1]) as picture:
        picture.save(earlier)
    kept = {path: path.read_bytes() for path in (small_png, earlier)}
    between = paintsundo("interpolate", str(earlier), str(small_png), "-o", str(earlier), *SMALL[:4])
    assert between.returncode == 2 and "would overwrite the input" in between.stderr, between.stderr
    keys = paintsundo("keyframes", str(small_png), "-o", str(tmp_path), *SMALL[:-4], "--prompt", "1girl")
    assert keys.returncode == 2 and "would overwrite the input" in keys.stderr, keys.stderr
    assert all(path.read_bytes() == data for path, data in kept.items())


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ([], "weights were not found"),
        (["--models", "MISSING"], "models folder not found"),
        (["--models", "NOTAGGER"], "misc"),
        (["--models", "MODELS", "--device", "cuda"], "no CUDA GPU"),
    ],
)
def test_missing_pieces_fail_with_one_line(small_png, tmp_path, extra, message):
    no_tagger = tmp_path / "no_tagger"
    shutil.copytree(MODELS, no_tagger)
    shutil.rmtree(no_tagger / "misc")
    names = {"MISSING": str(tmp_path / "absent"), "NOTAGGER": str(no_tagger), "MODELS": str(MODELS)}
    args = [names.get(arg, arg) for arg in extra]
    result = paintsundo(
        "run", str(small_png), "--engine", "neural", *args, env=isolated_environment(tmp_path)
    )
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and message in lines[0], result.stderr


def test_auto_picks_procedural_without_a_gpu_and_says_why(small_png, tmp_path):
    env = isolated_environment(tmp_path) | {"PAINTSUNDO_MODELS": str(MODELS)}
    result = paintsundo("run", str(small_png), "-o", str(tmp_path / "a.mp4"), "--frames", "10", env=env)
    assert result.returncode == 0, result.stderr
    assert "engine: procedural (auto: neural weights found but no GPU" in result.stderr


def test_download_offline_says_what_to_fetch_and_where(tmp_path):
    result = paintsundo("download", "--to", str(tmp_path / "weights"), env=isolated_environment(tmp_path))
    assert result.returncode == 2
    assert "lllyasviel/paints_undo_single_frame" in result.stderr
    assert "give DIR as the models folder (--models)" in result.stderr, "the CLI names the flag"


def test_doctor_reports_weights_and_device(tmp_path):
    result = paintsundo("doctor", "--models", str(MODELS), env=isolated_environment(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "found in the models folder given" in result.stdout and "torch" in result.stdout


def test_api_reports_progress_per_stage_and_uses_user_keyframes_alone(small_png, example_paths):
    from paintsundo import Settings, draw_process
    from paintsundo.undo.pipeline.settings import KeyframeSettings, VideoSettings

    seen: dict[str, list[tuple[int, int]]] = {}
    settings = Settings(
        engine="neural",
        device="cpu",
        keyframe_settings=KeyframeSettings(width=64, height=80, steps=2),
        video_settings=VideoSettings(steps=2, buckets=((64, 48),)),
    )
    mine = [(example_paths[0], None), (example_paths[1], None)]
    process = draw_process(
        small_png,
        settings,
        models=MODELS,
        user_keyframes=mine,
        progress=lambda stage, done, total: seen.setdefault(stage, []).append((done, total)),
    )
    # On the CPU the fast plan runs: segments sample two at a time.
    assert list(seen) == ["tagging", "video 1-2/3", "video 3/3"], "no keyframe is generated"
    assert seen["video 1-2/3"][-1] == (2, 2)
    assert len(process) == 3 * 15
    assert [e.detail["source"] for e in process.events] == ["blank", "user", "user", "input"]


def gif_frames(path: Path) -> list[bytes]:
    with Image.open(path) as animation:
        return [frame.convert("RGB").tobytes() for frame in ImageSequence.Iterator(animation)]


def test_the_seed_drives_both_neural_stages_unless_a_stage_has_its_own(small_png, tmp_path):
    quick = ["--engine", "neural", *SMALL, "--operation-steps", "999", "--prompt", "1girl", "--hold", "0"]
    runs = {"seven": ["--seed", "7"], "eight": ["--seed", "8", "--video-seed", "5"]}
    for name, seeds in runs.items():
        made = paintsundo("run", str(small_png), "-o", str(tmp_path / f"{name}.gif"), *quick, *seeds)
        assert made.returncode == 0, made.stderr
    seven, eight = (json.loads((tmp_path / f"{name}.gif.json").read_text()) for name in runs)
    assert seven["seed"] == 7 and seven["seeds_used"] == {"keyframes": 7, "video": 7}
    assert seven["settings"]["keyframe_settings"]["seed"] == seven["settings"]["video_settings"]["seed"] == 7
    assert eight["seed"] == 8 and eight["seeds_used"] == {"keyframes": 8, "video": 5}
    assert gif_frames(tmp_path / "seven.gif") != gif_frames(tmp_path / "eight.gif")


def test_settings_batch_and_manifests_follow_one_seed_rule():
    """The API's rule is the command's: the seed drives both stages, a stage's own seed wins, and
    none gives the reference app's pair; a batch's picture seed counts as given."""
    from paintsundo.batch.work import seeded
    from paintsundo.undo.settings import Settings

    def seeds(settings: Settings) -> tuple[int, int, int]:
        return settings.procedural_seed, settings.keyframe_settings.seed, settings.video_settings.seed

    assert seeds(Settings()) == (12345, 12345, 123)
    assert seeds(Settings(seed=7)) == (7, 7, 7)
    assert seeds(Settings(seed=7, keyframe_seed=3)) == (7, 3, 7)
    assert seeds(seeded(Settings(), 99)) == (99, 99, 99)
    assert seeds(seeded(Settings(video_seed=5), 99)) == (99, 99, 5)
    assert Settings.from_json(Settings(seed=7, video_seed=5).to_json()) == Settings(seed=7, video_seed=5)
    earlier = Settings().to_json() | {"seed": 12345}  # before the rule: every seed written out
    del earlier["keyframe_seed"], earlier["video_seed"]
    assert seeds(Settings.from_json(earlier)) == (12345, 12345, 123), "an earlier manifest repeats as it ran"
