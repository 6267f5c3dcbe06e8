"""Our models are the released models: golden vectors and full-size tensor listings."""

from __future__ import annotations

import subprocess
import sys

import pytest
from safetensors.torch import load_file

from conftest import ROOT

REFERENCE = ROOT / "tests" / "data" / "reference"
MODULE_CASES = ("sf_unet", "mf_unet", "mf_unet_windows", "mf_vae", "mf_resampler", "mf_clip_vision")
SAMPLER_CASES = ("sf_sampler", "mf_sampler")


@pytest.fixture(scope="module")
def vector_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("vectors")
    command = [
        sys.executable,
        "-m",
        "paintsundo.undo.conformance",
        "vectors",
        str(REFERENCE / "vectors"),
        str(out),
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=600), out


def test_every_module_case_matches_the_reference_within_1e_4(vector_run):
    result, _out = vector_run
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    for case in MODULE_CASES:
        reported = [line for line in lines if line.startswith(f"{case}.")]
        assert reported, f"{case} was not compared"
        for line in reported:
            error = float(line.split("relative error ")[1].split()[0])
            assert error <= 1e-4, line


def test_outputs_are_written_with_the_reference_keys(vector_run):
    _, out = vector_run
    io = load_file(REFERENCE / "vectors" / "mf_vae.io.safetensors")
    written = load_file(out / "mf_vae.out.safetensors")
    assert {"latent_mode_scaled", "decoded", "hidden_0", "hidden_4"} <= set(written)
    assert written["decoded"].shape == io["decoded"].shape
    assert set(load_file(out / "mf_unet_windows.out.safetensors")) == {"out_prv", "out_first", "out_roll"}


def test_both_samplers_match_the_reference_within_1e_3(vector_run):
    result, out = vector_run
    for case in SAMPLER_CASES:
        line = next(line for line in result.stdout.splitlines() if line.startswith(f"{case}.out"))
        assert float(line.split("relative error ")[1].split()[0]) <= 1e-3, line
        assert (out / f"{case}.out.safetensors").is_file()


def test_a_wrong_answer_fails_the_run(tmp_path):
    """Held-back layout: expected outputs in <case>.expected.safetensors, and a tampered one must fail."""
    import shutil

    import torch
    from safetensors.torch import save_file

    ref = tmp_path / "ref"
    ref.mkdir()
    for name in ("mf_resampler.json", "mf_resampler.weights.safetensors"):
        shutil.copy(REFERENCE / "vectors" / name, ref / name)
    io = load_file(REFERENCE / "vectors" / "mf_resampler.io.safetensors")
    save_file({"x": io["x"]}, ref / "mf_resampler.io.safetensors")
    save_file({"out": io["out"] * 1.01}, ref / "mf_resampler.expected.safetensors")
    command = [
        sys.executable,
        "-m",
        "paintsundo.undo.conformance",
        "vectors",
        str(ref),
        str(tmp_path / "out"),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1 and "FAIL" in result.stdout
    save_file({"out": io["out"]}, ref / "mf_resampler.expected.safetensors")
    assert subprocess.run(command, capture_output=True, timeout=300).returncode == 0
    written = load_file(tmp_path / "out" / "mf_resampler.out.safetensors")["out"]
    assert torch.allclose(written, io["out"], rtol=1e-4, atol=1e-5)


def test_the_vectors_run_in_full_float32_and_give_the_process_its_switches_back(tmp_path, monkeypatch):
    """TF32 is off while the cases run (the golden data is float32), and back as it was after: the
    library never flips a process-wide switch for good."""
    import shutil

    import torch

    from paintsundo.undo.conformance import vectors

    ref = tmp_path / "ref"
    ref.mkdir()
    shutil.copy(REFERENCE / "vectors" / "mf_resampler.json", ref)
    seen = []
    monkeypatch.setattr(
        vectors,
        "run_case",
        lambda *args: seen.append((torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32)),
    )
    monkeypatch.setattr(torch.backends.cudnn, "allow_tf32", True)
    monkeypatch.setattr(torch.backends.cuda.matmul, "allow_tf32", True)
    vectors.run_vectors(ref, tmp_path / "out")
    assert seen == [(False, False)]
    assert torch.backends.cudnn.allow_tf32 and torch.backends.cuda.matmul.allow_tf32


def test_full_size_key_listings_equal_the_release(tmp_path):
    command = [sys.executable, "-m", "paintsundo.undo.conformance", "keys", str(tmp_path)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    listings = sorted((REFERENCE / "checkpoints").glob("*.tsv"))
    assert len(listings) == 8
    for reference in listings:
        ours = (tmp_path / reference.name).read_text().splitlines()
        theirs = reference.read_text().splitlines()
        assert ours[0] == theirs[0] == "name\tshape"
        assert set(ours[1:]) == set(theirs[1:]), reference.name
