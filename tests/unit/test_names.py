"""One name, one meaning: a constant or a function defined in two modules is the same thing in both,
and the names that moved still answer, with a warning, for one release."""

from __future__ import annotations

import ast
from collections import defaultdict

import pytest

from conftest import ROOT

SOURCE = ROOT / "src" / "paintsundo"
# Each workflow module's own: the role is the same, the value is that workflow's.
PER_MODULE_ROLES = {"WORKFLOW", "plan"}


def module_level(kind: type) -> dict[str, dict[str, str]]:
    """Name -> {module: its definition's text}, for the names `kind` defines at a module's top."""
    found: dict[str, dict[str, str]] = defaultdict(dict)
    for path in SOURCE.rglob("*.py"):
        module = str(path.relative_to(SOURCE))
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if kind is ast.Assign and isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    if isinstance(target, ast.Name) and target.id.isupper():
                        found[target.id][module] = ast.unparse(node.value)
            elif kind is ast.FunctionDef and isinstance(node, ast.FunctionDef | ast.ClassDef):
                found[node.name][module] = type(node).__name__
    return found


def test_a_constant_defined_in_two_modules_has_one_value():
    differing = {
        name: sorted(where)
        for name, where in module_level(ast.Assign).items()
        if name not in PER_MODULE_ROLES and len(set(where.values())) > 1
    }
    assert differing == {}, "give each meaning its own name"


def test_a_public_function_or_class_has_one_home_outside_the_commands():
    """The commands (cli/) are named for what they run, and the old homes (colorize.py, settings.py)
    are aliases; anything else defined twice means two things."""
    aliases = {"colorize.py", "settings.py"}
    twice = {
        name: sorted(where)
        for name, where in module_level(ast.FunctionDef).items()
        if not name.startswith("_") and name not in PER_MODULE_ROLES
        for where in [{module for module in where if not module.startswith("cli/") and module not in aliases}]
        if len(where) > 1
    }
    # Two networks' own layers, each with its released tensor names.
    assert twice == {"Downsample": ["models/unet3d/blocks.py", "models/video_vae/layers.py"]}


def test_a_batch_gives_the_colorist_the_memory_mode_it_has():
    from paintsundo.cli.batch import _neural_options
    from paintsundo.coloring.choices import COLORIST_MEMORY_MODES, colorist_memory_mode
    from paintsundo.undo.pipeline.settings import NEURAL_ENGINE_MEMORY_MODES
    from paintsundo.undo.settings import Settings

    given = {mode: colorist_memory_mode(mode) for mode in NEURAL_ENGINE_MEMORY_MODES}
    assert given == {"auto": "fast", "fast": "fast", "balanced": "fast", "low": "low"}
    assert set(given.values()) == set(COLORIST_MEMORY_MODES)
    made = _neural_options({}, "balanced", 20, Settings(memory="low"), None)
    assert made["memory"] == "low" and made["control"] == "balanced"


def test_the_prompt_stage_s_old_name_still_answers_with_a_warning():
    import paintsundo.undo.neural as neural

    with pytest.warns(DeprecationWarning, match="picture_prompt"):
        assert neural.tag is neural.picture_prompt
    with pytest.raises(AttributeError):
        neural.no_such_name  # noqa: B018


def test_identifiers_are_spelt_color_and_the_old_public_name_still_answers():
    import paintsundo.coloring.procedural as procedural

    with pytest.warns(DeprecationWarning, match="ColorLayers"):
        assert procedural.ColourLayers is procedural.ColorLayers
    respelt = []
    for path in (ROOT / "src" / "paintsundo").rglob("*.py"):
        names = {node.id for node in ast.walk(ast.parse(path.read_text())) if isinstance(node, ast.Name)}
        respelt += [f"{path.name}: {name}" for name in names if "colour" in name.lower()]
    assert not respelt, "identifiers say color (prose may say colour)"
