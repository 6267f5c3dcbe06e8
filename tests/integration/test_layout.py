"""The layout is the architecture: the procedural engine and CLI need no torch; models hold no loading."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import ROOT, imported_modules

SOURCE = ROOT / "src" / "paintsundo"


def test_procedural_engine_and_cli_never_import_torch():
    code = (
        "import sys, paintsundo, paintsundo.undo.procedural, paintsundo.cli.run, paintsundo.undo.api,"
        " paintsundo.coloring.api, paintsundo.cli.colorize;"
        "heavy = sorted(m for m in ('torch', 'diffusers', 'transformers') if m in sys.modules);"
        "print(','.join(heavy))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


def test_the_hub_reads_the_release_without_torch():
    """Where the weights are is looked for before, and without, the neural extra."""
    code = (
        "import sys, paintsundo.hub, paintsundo.weights.release;"
        "print(sorted(m for m in ('torch', 'diffusers', 'transformers') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_coloring_without_a_neural_colorist_imports_no_torch(tmp_path):
    """Where no base model is found, `colorize` takes the procedural colourist, and looking for the
    neural one's folders loads no torch (2-3 s of a run that takes seconds)."""
    sketch, hints = (
        ROOT / "tests" / "data" / "kinds" / "pencil-turtle.png",
        ROOT / "docs" / "colorize" / "turtle.hints.png",
    )
    argv = ["paintsundo", "colorize", str(sketch), "--hints", str(hints), "-o", str(tmp_path / "t.png")]
    code = (
        "import atexit, sys; from paintsundo.cli import main;"
        "atexit.register(lambda: print('heavy:' + ','.join(sorted("
        "m for m in ('torch', 'diffusers', 'transformers') if m in sys.modules))));"
        f"sys.argv = {argv!r}; main()"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "heavy:" and (tmp_path / "t.png").is_file()


def test_the_commands_start_without_the_drawing_code():
    """Every command's start (its options and help) loads no engine: not torch, nor the procedural
    engine's scikit-image and SciPy; each loads when a command runs."""
    code = (
        "import sys; from paintsundo.cli import batch, colorize, compiling, models, neural, run, webapp;"
        "heavy = ('torch', 'diffusers', 'skimage', 'scipy');"
        "print(','.join(sorted(m for m in heavy if m in sys.modules)))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


def test_models_hold_architecture_only():
    forbidden = (
        "safetensors",
        "huggingface_hub",
        "paintsundo.weights",
        "paintsundo.undo.pipeline",
        "paintsundo.samplers",
    )
    for path in (SOURCE / "models").rglob("*.py"):
        text = path.read_text()
        assert not any(name.startswith(forbidden) for name in imported_modules(path)), path
        assert ".cuda(" not in text and "from_pretrained" not in text, path


@pytest.mark.parametrize("package", ["undo.procedural", "coloring.procedural"])
def test_procedural_packages_import_only_numpy_pillow_opencv_and_scikit_image(package):
    allowed = (
        "numpy",
        "PIL",
        "cv2",
        "skimage",
        f"paintsundo.{package}",
        "paintsundo.timeline",  # the words both engines share
        "paintsundo.errors",
        "__future__",
        "dataclasses",
        "collections",
        "itertools",
        "typing",
        "warnings",  # a deprecated name's alias warns
    )
    for path in SOURCE.joinpath(*package.split(".")).rglob("*.py"):
        for name in imported_modules(path):
            assert name.startswith(allowed), f"{path.name} imports {name}"


def test_the_neural_engine_takes_the_shared_words_not_the_procedural_engine():
    for path in (SOURCE / "undo" / "pipeline").rglob("*.py"):
        assert not any(name.startswith("paintsundo.undo.procedural") for name in imported_modules(path)), path


def test_nothing_imports_click_which_the_base_install_lacks():
    """Typer bundles its own click: a plain `import click` works here (other extras bring it) but
    fails on the base install, as `paintsundo run` did once."""
    for path in SOURCE.rglob("*.py"):
        assert not any(name.split(".")[0] == "click" for name in imported_modules(path)), path


def test_the_web_app_only_calls_the_library():
    for path in (SOURCE / "app").rglob("*.py"):
        assert not any(name.startswith("paintsundo.cli") for name in imported_modules(path)), path


def test_each_layer_imports_only_from_the_layers_below_it(capsys):
    """The import-linter contract in pyproject.toml: cli, then app and batch, then the stages and
    the API, ... down to the shared vocabulary. A module importing upwards breaks it."""
    from importlinter.cli import lint_imports

    code = lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True, no_logo=True)
    report = capsys.readouterr().out
    assert code == 0, report[-3000:]
    assert "2 kept, 0 broken" in report
