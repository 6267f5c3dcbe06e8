"""The suite's own layout: every test file in unit/, integration/ or e2e/, the shared helpers beside
conftest.py, and unit tests quick enough for a developer's loop (README, Development)."""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import ROOT

TESTS = ROOT / "tests"
FOLDERS = ("unit", "integration", "e2e")
# What makes a test slow or heavy belongs in integration/ or e2e/: other processes, the browser app.
NOT_IN_UNIT = ("subprocess", "multiprocessing", "gradio", "gradio_client", "playwright", "ray")


def suite_files() -> list[Path]:
    return sorted(TESTS.rglob("test_*.py"))


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_every_test_file_is_in_unit_integration_or_e2e():
    folders = {TESTS / folder for folder in FOLDERS}
    misplaced = [str(path.relative_to(TESTS)) for path in suite_files() if path.parent not in folders]
    assert misplaced == [], "move each into tests/unit, tests/integration or tests/e2e"


def test_test_files_share_helpers_not_each_other():
    """A test module imported from another folder is not on the path when that folder runs alone."""
    for path in suite_files():
        assert not any(name.startswith("test_") for name in imported_modules(path)), path


def test_unit_tests_start_no_process_and_no_browser():
    for path in (TESTS / "unit").glob("test_*.py"):
        assert not imported_modules(path) & set(NOT_IN_UNIT), path


def test_the_readme_names_the_folders_and_the_quick_command():
    development = (ROOT / "README.md").read_text(encoding="utf-8").split("## Development", 1)[1]
    assert "python -m pytest tests/unit" in development
    assert all(f"tests/{folder}" in development for folder in FOLDERS)
