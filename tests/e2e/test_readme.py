"""The README's two commands are the ones CI runs and the ones that work."""

from __future__ import annotations

import re

from conftest import ROOT


def readme_command(marker: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(rf"<!-- {marker} -->\s*```bash\n(.+?)\n```", text, re.DOTALL)
    assert match, f"README has no {marker} block"
    return match.group(1).strip()


def test_ci_runs_the_readme_test_command():
    command = readme_command("install-and-test")
    ci_lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert command in ci_lines
    assert "pytest" in command


def test_install_commands_never_ask_for_cuda_or_pin_torch():
    pyproject = (ROOT / "pyproject.toml").read_text()
    for command in (readme_command("install-and-run"), readme_command("install-and-test")):
        assert "torch" not in command or "torch==" in command
        assert "cuda" not in command.lower() and " uv " not in f" {command} "
    assert not re.search(r'"torch\s*==', pyproject), "the package metadata must not pin torch"


def test_readme_run_command_uses_a_bundled_example():
    command = readme_command("install-and-run")
    example = re.search(r"paintsundo run (\S+)", command).group(1)
    assert (ROOT / example).is_file()
    assert (ROOT / "examples" / "NOTICE.md").is_file()


def test_readme_colorize_example_uses_bundled_files(tmp_path):
    import subprocess

    from PIL import Image

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    sketch, hints = re.search(r"paintsundo colorize (\S+) --hints (\S+)", text).groups()
    with Image.open(ROOT / sketch) as drawing, Image.open(ROOT / hints) as scribbles:
        assert drawing.size == scribbles.size
    command = ["paintsundo", "colorize", sketch, "--hints", hints, "-o", str(tmp_path / "t.png"), "-q"]
    assert subprocess.run(command, cwd=ROOT, capture_output=True, timeout=120).returncode == 0
    assert (tmp_path / "t.png").is_file()
