"""The neural colourist on tiny seeded Stable Diffusion 1.5 parts, saved in the hub layout and loaded
through the same code as real weights, on the CPU."""

from __future__ import annotations

import json
import subprocess

import numpy as np
import pytest
from PIL import Image

from conftest import ROOT, TINY_RELEASE
from tiny_sd import write_tiny_sd

TURTLE = ROOT / "tests" / "data" / "kinds" / "pencil-turtle.png"


@pytest.fixture(scope="module")
def tiny_models(tmp_path_factory):
    return write_tiny_sd(tmp_path_factory.mktemp("tiny-sd"))


@pytest.fixture(scope="module")
def sketch() -> np.ndarray:
    return np.asarray(Image.open(TURTLE).convert("RGB").resize((96, 96), Image.Resampling.LANCZOS))


def neural(tiny_models, **options):
    from paintsundo.neural_colorist import NeuralColorize

    base, controlnet = tiny_models
    return NeuralColorize(
        **{"base": base, "controlnet": controlnet, "steps": 2, "prompt": "1girl", **options}
    )


def pictures(sketch, tiny_models, hints=None, seed=3, count=1, **options) -> list[np.ndarray]:
    from paintsundo.neural_colorist import neural_candidates

    layers, _ = neural_candidates(sketch, hints, None, seed, count, neural(tiny_models, **options))
    return [each.composite() for each in layers]


def test_the_same_seed_gives_the_same_pictures_and_another_seed_others(sketch, tiny_models):
    first, again, other = (pictures(sketch, tiny_models, seed=seed) for seed in (3, 3, 4))
    assert np.array_equal(first[0], again[0])
    assert not np.array_equal(first[0], other[0])
    two = pictures(sketch, tiny_models, count=2)
    assert len(two) == 2 and not np.array_equal(two[0], two[1])


def test_each_control_preset_changes_the_picture(sketch, tiny_models):
    made = {
        control: pictures(sketch, tiny_models, control=control)[0]
        for control in ("strict", "balanced", "loose")
    }
    assert len({picture.tobytes() for picture in made.values()}) == 3


def test_the_scribbles_flat_colours_are_the_starting_picture(sketch, tiny_models, monkeypatch):
    from paintsundo.pipeline.lineart_colorist import LineartColorist

    hints = np.zeros((96, 96, 4), np.uint8)
    hints[40:46, 50:60] = (40, 160, 60, 255)  # across the shell
    seen = []
    call = LineartColorist.__call__

    def spying(self, drawing, start, settings):
        seen.append(start)
        return call(self, drawing, start, settings)

    monkeypatch.setattr(LineartColorist, "__call__", spying)
    with_hints = pictures(sketch, tiny_models, hints=hints)[0]
    without = pictures(sketch, tiny_models)[0]
    assert seen[1] is None, "no scribbles: the model starts from noise"
    start = seen[0]
    assert start.shape == sketch.shape and start[43, 55].tolist() == [40, 160, 60]
    assert start[2, 2].tolist() == [255, 255, 255], "paper where no scribble reaches"
    assert not np.array_equal(with_hints, without)


def test_the_result_has_the_sketchs_size_with_its_lines_laid_over(sketch, tiny_models):
    from paintsundo.colorist import read_lines

    kept = pictures(sketch, tiny_models)[0]
    bare = pictures(sketch, tiny_models, keep_lines=False)[0]
    assert kept.shape == bare.shape == sketch.shape
    lines = read_lines(sketch).opacity > 0.8
    assert lines.any()
    assert (kept[lines].astype(int) <= sketch[lines].astype(int) + 30).all(), "the lines are as dark as drawn"
    assert kept[lines].mean() < bare[lines].mean() - 10


def test_medium_tags_are_dropped_from_the_taggers_prompt(sketch, tiny_models, monkeypatch):
    from paintsundo import neural_colorist

    monkeypatch.setattr(
        neural_colorist, "_tagger", lambda folder: lambda picture: "1girl, monochrome, lineart, smile"
    )
    prompt, source = neural_colorist._prompt(sketch, neural(tiny_models, prompt=None, models=TINY_RELEASE))
    assert (prompt, source) == ("1girl, smile", "the tagger's tags for the sketch")
    assert pictures(sketch, tiny_models, prompt="")[0].shape == sketch.shape, "an empty prompt works"


def test_the_command_runs_the_neural_colourist_on_the_cpu(sketch, tiny_models, tmp_path):
    Image.fromarray(sketch).save(tmp_path / "sketch.png")
    base, controlnet = tiny_models
    command = ["paintsundo", "colorize", str(tmp_path / "sketch.png"), "-o", str(tmp_path / "out.png")]
    command += ["--engine", "neural", "--base", str(base), "--controlnet", str(controlnet), "--steps", "2"]
    command += ["--prompt", "1girl", "--control", "strict", "--count", "2", "--layers", "--device", "cpu"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "out.png.json").read_text())
    assert manifest["engine"] == "neural" and manifest["engine_reason"] == "asked for"
    assert manifest["neural"]["control"] == "strict" and manifest["neural"]["prompt"] == "1girl"
    assert [entry["seed"] for entry in manifest["candidates"]] == [12345, 12346]
    with Image.open(tmp_path / "out.png") as picture:
        assert picture.size == (96, 96) and "neural colourist" in picture.info["Description"]
    assert (tmp_path / "out.ora").is_file() and (tmp_path / "out.seed12346.png").is_file()


def test_pickled_weights_are_refused_in_one_line(tmp_path, tiny_models):
    pickled = tmp_path / "pickled"
    pickled.mkdir()
    (pickled / "config.json").write_text("{}")
    (pickled / "diffusion_pytorch_model.bin").write_bytes(b"not read")
    Image.new("RGB", (64, 64), "white").save(tmp_path / "s.png")
    command = ["paintsundo", "colorize", str(TURTLE), "-o", str(tmp_path / "o.png"), "--engine", "neural"]
    result = subprocess.run(
        [*command, "--base", str(tiny_models[0]), "--controlnet", str(pickled)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "holds only pickled weights" in lines[0] and "--controlnet" in lines[0]
    assert not (tmp_path / "o.png").exists()


def test_a_colouring_batch_runs_the_neural_colourist(sketch, tiny_models, tmp_path):
    folder = tmp_path / "sketches"
    folder.mkdir()
    Image.fromarray(sketch).save(folder / "a.png")
    Image.fromarray(sketch[:, ::-1]).save(folder / "b.png")
    base, controlnet = tiny_models
    command = [
        "paintsundo",
        "batch",
        str(folder),
        "-o",
        str(tmp_path / "out"),
        "--colorize",
        "--engine",
        "neural",
    ]
    command += ["--base", str(base), "--controlnet", str(controlnet), "--prompt", "1girl", "--device", "cpu"]
    command += ["--steps", "2"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    for name in ("a", "b"):
        manifest = json.loads((tmp_path / "out" / f"{name}.png.json").read_text())
        assert manifest["engine"] == "neural" and manifest["neural"]["prompt"] == "1girl"
    again = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert "2 already finished" in again.stderr


def test_the_model_works_at_its_native_size_and_reads_white_lines_on_black():
    from paintsundo.pipeline.lineart_colorist import control_picture, model_size

    assert model_size(96, 96) == (512, 512), "small sketches are scaled up to the model's size"
    assert model_size(1024, 2048) == (384, 768), "large ones down, the aspect kept"
    assert model_size(600, 800) == (576, 768)
    assert all(side % 8 == 0 for size in [(333, 517), (1919, 1080)] for side in model_size(*size))
    sketch = np.full((40, 40, 3), 255, np.uint8)
    sketch[20, :] = 0  # one black line on white paper
    control = np.asarray(control_picture(sketch, (40, 40)))
    assert control[20].min() == 255 and control[5].max() == 0, "the ControlNet sees it white on black"


def test_memory_modes_are_checked_before_any_work(tiny_models, tmp_path):
    from paintsundo.errors import PaintsUndoError

    with pytest.raises(PaintsUndoError, match="unknown memory mode 'medium'"):
        neural(tiny_models, memory="medium")
    base, controlnet = tiny_models
    command = ["paintsundo", "colorize", str(TURTLE), "-o", str(tmp_path / "o.png"), "--engine", "neural"]
    command += ["--base", str(base), "--controlnet", str(controlnet), "--memory", "low", "--device", "cpu"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 2 and "low memory mode" in result.stderr and "--memory" in result.stderr
    assert not (tmp_path / "o.png").exists()
