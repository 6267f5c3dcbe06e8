"""A fresh process that imports what a user's would: only the distributions `pip install
"paintsundo[neural]"` brings, not everything else installed beside them.

A benchmark machine's environment often holds much more (peft, scikit-learn, ...). diffusers and
transformers import some of those whenever they are installed, and scan every installed
distribution at import, so a fresh process there pays for packages a user need not have.

    python benchmarks/isolated.py [--extras neural] -- COMMAND ...   # runs COMMAND isolated

`isolated_environment(folder)` fills `folder` with links to the dependency closure of paintsundo and
its extras, each found where this process finds it, and returns the variables to change; `python`
gives the command line and environment of a process without its site-packages (`-S`), on those
links and this checkout.
"""

from __future__ import annotations

import compileall
import os
import sys
from importlib import metadata
from pathlib import Path

import tomllib
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from _shared import ROOT


def wanted_requirements(extras: tuple[str, ...]) -> list[Requirement]:
    """paintsundo's own requirements and those of its extras, from the checkout's pyproject.toml."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    texts = [*project["dependencies"]]
    for extra in extras:
        texts += project["optional-dependencies"][extra]
    return [Requirement(text) for text in texts]


def needed_by(distribution: metadata.Distribution, extras: set[str]) -> list[Requirement]:
    """What a distribution requires, for the extras asked of it, on this machine."""
    needed = []
    for text in distribution.requires or []:
        requirement = Requirement(text)
        marker = requirement.marker
        if marker is None or any(marker.evaluate({"extra": extra}) for extra in extras | {""}):
            needed.append(requirement)
    return needed


def top_level_paths(distribution: metadata.Distribution) -> set[Path]:
    """The top-level files and folders a distribution installed (packages, .libs, its dist-info)."""
    paths = set()
    for file in distribution.files or []:
        first = file.parts[0]
        if first != "..":  # scripts and data outside site-packages
            paths.add(Path(distribution.locate_file(first)))
    return paths


def isolated_environment(folder: Path, extras: tuple[str, ...] = ("neural",)) -> dict[str, str]:
    """Links in `folder` to paintsundo's dependency closure, compiled to bytecode as pip leaves it
    (untimed); the variables a `python -S` process on them needs. Prints what is not installed."""
    pending = wanted_requirements(extras)
    seen: set[str] = set()
    while pending:
        requirement = pending.pop()
        name = canonicalize_name(requirement.name)
        if name in seen:
            continue
        seen.add(name)
        try:
            distribution = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            print(f"  (isolated: {name} is not installed here)", flush=True)
            continue
        for path in top_level_paths(distribution):
            link = folder / path.name
            if path.exists() and not link.exists():
                link.symlink_to(path)
        pending += needed_by(distribution, set(requirement.extras))
    compileall.compile_dir(folder, quiet=1, workers=os.cpu_count() or 1)
    compileall.compile_dir(ROOT / "src", quiet=1)
    return {"PYTHONPATH": os.pathsep.join([str(folder), str(ROOT / "src")])}


def python(
    isolated: dict[str, str] | None, source: Path | None = None
) -> tuple[list[str], dict[str, str] | None]:
    """The interpreter's command line and environment for a fresh process: isolated if given the
    variables, on this process's environment as it is at the call; importing paintsundo from
    `source` (a copy of another version's src folder, compiled here) in place of this checkout's."""
    interpreter = [sys.executable] if isolated is None else [sys.executable, "-S"]
    variables = dict(isolated or {})
    if source is not None:
        compileall.compile_dir(source, quiet=1)
        paths = variables.get("PYTHONPATH", os.environ.get("PYTHONPATH", "")).split(os.pathsep)
        others = [path for path in paths if path != str(ROOT / "src")]
        variables["PYTHONPATH"] = os.pathsep.join([str(source), *others])
    return interpreter, ({**os.environ, **variables} if variables else None)
