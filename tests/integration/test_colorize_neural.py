"""The neural colourist on tiny seeded Stable Diffusion 1.5 parts, saved in the hub layout and loaded
through the same code as real weights, on the CPU."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

import fake_hub
from conftest import ROOT, TINY_RELEASE
from tiny_sd import write_tiny_ip_adapter, write_tiny_sd

TURTLE = ROOT / "tests" / "data" / "kinds" / "pencil-turtle.png"


@pytest.fixture(scope="module")
def tiny_models(tmp_path_factory):
    return write_tiny_sd(tmp_path_factory.mktemp("tiny-sd"))


@pytest.fixture(scope="module")
def tiny_adapter(tmp_path_factory):
    return write_tiny_ip_adapter(tmp_path_factory.mktemp("tiny-ip-adapter"))


@pytest.fixture(scope="module")
def sketch() -> np.ndarray:
    return np.asarray(Image.open(TURTLE).convert("RGB").resize((96, 96), Image.Resampling.LANCZOS))


def neural(tiny_models, **options):
    from paintsundo.coloring.neural import NeuralColorize

    base, controlnet = tiny_models
    return NeuralColorize(
        **{"base": base, "controlnet": controlnet, "steps": 2, "prompt": "1girl", **options}
    )


def pictures(sketch, tiny_models, hints=None, seed=3, count=1, **options) -> list[np.ndarray]:
    from paintsundo.coloring.neural import neural_candidates

    layers, _ = neural_candidates(sketch, hints, None, seed, count, neural(tiny_models, **options))
    return [each.composite() for each in layers]


def test_the_same_seed_gives_the_same_pictures_and_another_seed_others(sketch, tiny_models):
    first, again, other = (pictures(sketch, tiny_models, seed=seed) for seed in (3, 3, 4))
    assert np.array_equal(first[0], again[0])
    assert not np.array_equal(first[0], other[0])
    two = pictures(sketch, tiny_models, count=2)
    assert len(two) == 2 and not np.array_equal(two[0], two[1])


def test_each_control_preset_changes_the_picture(sketch, tiny_models):
    from paintsundo.coloring.choices import CONTROL_NAMES
    from paintsundo.coloring.controlnet import CONTROL_BY_NAME

    assert tuple(CONTROL_BY_NAME) == CONTROL_NAMES, "the names the options offer are those with settings"
    made = {control: pictures(sketch, tiny_models, control=control)[0] for control in CONTROL_NAMES}
    assert len({picture.tobytes() for picture in made.values()}) == 3


def test_the_scribbles_flat_colors_are_the_starting_picture(sketch, tiny_models, monkeypatch):
    from paintsundo.coloring.controlnet import LineartColorist

    hints = np.zeros((96, 96, 4), np.uint8)
    hints[40:46, 50:60] = (40, 160, 60, 255)  # across the shell
    seen = []
    call = LineartColorist.__call__

    def spying(self, drawing, start, settings, reference=None):
        seen.append(start)
        return call(self, drawing, start, settings, reference)

    monkeypatch.setattr(LineartColorist, "__call__", spying)
    with_hints = pictures(sketch, tiny_models, hints=hints)[0]
    without = pictures(sketch, tiny_models)[0]
    assert seen[1] is None, "no scribbles: the model starts from noise"
    start = seen[0]
    assert start.shape == sketch.shape and start[43, 55].tolist() == [40, 160, 60]
    assert start[2, 2].tolist() == [255, 255, 255], "paper where no scribble reaches"
    assert not np.array_equal(with_hints, without)


def test_the_result_has_the_sketchs_size_with_its_lines_laid_over(sketch, tiny_models):
    from paintsundo.coloring.procedural import read_lines

    kept = pictures(sketch, tiny_models)[0]
    bare = pictures(sketch, tiny_models, keep_lines=False)[0]
    assert kept.shape == bare.shape == sketch.shape
    lines = read_lines(sketch).opacity > 0.8
    assert lines.any()
    assert (kept[lines].astype(int) <= sketch[lines].astype(int) + 30).all(), "the lines are as dark as drawn"
    assert kept[lines].mean() < bare[lines].mean() - 10


def test_medium_tags_are_dropped_from_the_taggers_prompt(sketch, tiny_models, monkeypatch):
    from paintsundo.coloring import neural as neural_colorist

    kept = neural_colorist.KeptColorist()
    monkeypatch.setattr(kept, "tagger", lambda folder: lambda picture: "1girl, monochrome, lineart, smile")
    prompt, source = neural_colorist._prompt(
        sketch, neural(tiny_models, prompt=None, models=TINY_RELEASE), kept
    )
    assert (prompt, source) == ("1girl, smile", "the tagger's tags for the sketch")
    assert pictures(sketch, tiny_models, prompt="")[0].shape == sketch.shape, "an empty prompt works"


def test_the_colorists_models_are_kept_by_their_holder_and_let_go(monkeypatch):
    """The loaded models live in a KeptColorist (the process's `shared_colorist` by default), not in
    the module: kept for the next sketch, one with an IP-Adapter serving sketches without, the old
    ones let go before others load, and all of them by `clear`."""
    import gc
    import weakref

    from paintsundo.coloring import controlnet
    from paintsundo.coloring.neural import ColoristModels, KeptColorist

    alive_at_load = []

    class Loaded:
        def __init__(self, *arguments):
            gc.collect()
            alive_at_load.append(sum(ref() is not None for ref in made))
            made.append(weakref.ref(self))

    made: list[weakref.ref] = []
    monkeypatch.setattr(controlnet, "LineartColorist", Loaded)
    models = ColoristModels("base", "controlnet", None)
    kept, other = KeptColorist(), KeptColorist()
    with_adapter = kept.colorist(models, "adapter", "cpu", "fast", False)
    assert kept.colorist(models, None, "cpu", "fast", False) is with_adapter
    assert other.colorist(models, None, "cpu", "fast", False) is not with_adapter, "each holder its own"
    del with_adapter
    kept.colorist(models, None, "cpu", "low", False)
    assert alive_at_load == [0, 1, 1], "the old models went before the new ones loaded"
    kept.clear()
    gc.collect()
    assert [ref() is None for ref in made] == [True, False, True], "cleared: only the other holder's"


def test_the_command_runs_the_neural_colorist_on_the_cpu(sketch, tiny_models, tmp_path):
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


def test_a_coloring_batch_runs_the_neural_colorist(sketch, tiny_models, tmp_path):
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
    from paintsundo.coloring.controlnet import control_picture, model_size

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


def test_a_reference_steers_the_colors_through_the_ip_adapter(sketch, tiny_models, tiny_adapter):
    from paintsundo.coloring.neural import neural_candidates

    warm = np.full((64, 64, 3), (230, 120, 40), np.uint8)
    cool = np.full((64, 64, 3), (40, 90, 220), np.uint8)

    def color(reference, adapter):
        options = neural(tiny_models, ip_adapter=adapter)
        layers, details = neural_candidates(sketch, None, reference, 3, 1, options)
        return layers[0].composite(), details

    plain, _ = color(None, None)
    with_warm, details = color(warm, tiny_adapter)
    with_cool, _ = color(cool, tiny_adapter)
    assert details["reference_by"] == "ip-adapter" and details["ip_adapter"] == str(tiny_adapter)
    assert not details["started_from_hints"], "the reference goes to the adapter, not the start"
    assert not np.array_equal(with_warm, with_cool) and not np.array_equal(with_warm, plain)
    # The colourist kept with its adapter serves a sketch without a reference, and adds nothing then.
    again, details = color(None, tiny_adapter)
    assert np.array_equal(again, plain) and details["reference_by"] is None
    _, details = color(warm, None)
    assert details["reference_by"] == "palette" and details["started_from_hints"]


def hub_repos(tiny_models, tiny_adapter, tmp_path) -> dict[str, str]:
    """The colourist's three repos on a fake hub, with pickles and fp16 variants a fetch must skip."""
    from paintsundo.hub import COLORIST_BASE_REPO, COLORIST_CONTROLNET_REPO, COLORIST_IP_ADAPTER_REPO

    base = tmp_path / "hub" / "base"
    shutil.copytree(tiny_models[0], base)
    (base / "Anything-V3.0.ckpt").write_bytes(b"a pickle, never fetched")
    (base / "unet" / "diffusion_pytorch_model.bin").write_bytes(b"a pickle, never fetched")
    shutil.copy(
        base / "unet" / "diffusion_pytorch_model.safetensors",
        base / "unet" / "diffusion_pytorch_model.fp16.safetensors",
    )
    return {
        COLORIST_BASE_REPO: str(base),
        COLORIST_CONTROLNET_REPO: str(tiny_models[1]),
        COLORIST_IP_ADAPTER_REPO: str(tiny_adapter),
    }


def on_fake_hub(repos: dict[str, str], *argv: str) -> subprocess.CompletedProcess:
    script = fake_hub.command_script(repos, list(argv))
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)


def test_download_colorize_fetches_the_models_that_colorize_then_finds(
    sketch, tiny_models, tiny_adapter, tmp_path
):
    repos = hub_repos(tiny_models, tiny_adapter, tmp_path)
    weights = tmp_path / "weights"
    result = on_fake_hub(repos, "download", "--colorize", "--to", str(weights))
    assert result.returncode == 0, result.stderr
    base = weights / "anything-v3.0"
    assert (base / "unet" / "diffusion_pytorch_model.safetensors").is_file()
    assert (weights / "IP-Adapter" / "models" / "ip-adapter_sd15.safetensors").is_file()
    fetched = {path.name for path in weights.rglob("*")}
    assert not fetched & {"Anything-V3.0.ckpt", "diffusion_pytorch_model.bin"}, "no pickle is fetched"
    assert "diffusion_pytorch_model.fp16.safetensors" not in fetched, "nor a variant that is not read"
    from paintsundo.coloring.neural import NeuralColorize, choose_colorist, neural_candidates

    found = NeuralColorize(models=weights, prompt="1girl", steps=2, device="cpu")
    chosen = choose_colorist("auto", NeuralColorize(models=weights))
    assert chosen == ("procedural", "auto: no GPU for the neural colourist"), "the downloaded base is found"
    warm = np.full((32, 32, 3), (230, 120, 40), np.uint8)
    _, details = neural_candidates(sketch, None, warm, 3, 1, found)
    assert details["base"] == str(base) and details["reference_by"] == "ip-adapter"


def test_a_missing_or_wrong_repo_is_one_line_before_any_download(tiny_models, tiny_adapter, tmp_path):
    from paintsundo.hub import COLORIST_BASE_REPO, COLORIST_IP_ADAPTER_REPO

    repos = hub_repos(tiny_models, tiny_adapter, tmp_path)
    weights = tmp_path / "weights"
    missing = {name: folder for name, folder in repos.items() if name != COLORIST_BASE_REPO}
    pickled = tmp_path / "pickled-adapter" / "models"
    pickled.mkdir(parents=True)
    (pickled / "ip-adapter_sd15.bin").write_bytes(b"a pickle")
    wrong = repos | {COLORIST_IP_ADAPTER_REPO: str(pickled.parent)}
    for hub, expected in [
        (missing, f"no such model on the Hugging Face hub: {COLORIST_BASE_REPO}"),
        (wrong, "is not an SD1.5 IP-Adapter in h94/IP-Adapter's layout: it has no"),
    ]:
        result = on_fake_hub(hub, "download", "--colorize", "--to", str(weights))
        lines = result.stderr.strip().splitlines()
        assert result.returncode == 2 and len(lines) == 1 and expected in lines[0], result.stderr
        assert not weights.exists(), "nothing is downloaded when a repo is wrong"
