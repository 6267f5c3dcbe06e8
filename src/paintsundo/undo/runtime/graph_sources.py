"""The source code that shapes the compiled graphs, found rather than listed: the modules whose
classes declare compiled blocks or methods (`compiled_blocks`, `compiled_methods`), the modules that
compile and export them, and every module of the package they import, as far as imports go.

Found from the source text (Python's `ast`), so that nothing needs importing, and a module moved or
renamed is followed wherever its imports say it is.
"""

from __future__ import annotations

import ast
import hashlib
import sys
from collections.abc import Iterable
from importlib.util import resolve_name
from pathlib import Path

DECLARATIONS = {"compiled_blocks", "compiled_methods"}


def package_modules(package: str) -> dict[str, Path]:
    """Every module of an imported package, by dotted name, found in its folder."""
    folder = Path(sys.modules[package].__file__).parent
    modules = {}
    for path in sorted(folder.rglob("*.py")):
        parts = path.relative_to(folder).with_suffix("").parts
        modules[".".join((package, *parts[: -1 if parts[-1] == "__init__" else None]))] = path
    return modules


def graph_sources(package: str, roots: Iterable[str]) -> dict[str, Path]:
    """The modules of `package` that shape the compiled graphs: those declaring compiled blocks or
    methods, the `roots` (the modules that compile and export them), and what they import from the
    package, transitively; by name."""
    modules = package_modules(package)
    trees = {name: ast.parse(path.read_bytes(), str(path)) for name, path in modules.items()}
    todo = [name for name, tree in trees.items() if _declares(tree)] + [*roots]
    found: set[str] = set()
    while todo:
        name = todo.pop()
        if name not in found:
            found.add(name)
            todo += _imported(trees[name], name, modules)
    return {name: modules[name] for name in sorted(found)}


def sources_digest(modules: dict[str, Path]) -> str:
    """A digest of the modules' names and source text."""
    digest = hashlib.sha256()
    for name, path in sorted(modules.items()):
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def _declares(tree: ast.Module) -> bool:
    """Whether a class of the module declares compiled blocks or methods."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            for statement in node.body:
                targets = statement.targets if isinstance(statement, ast.Assign) else [statement]
                names = {getattr(getattr(target, "target", target), "id", None) for target in targets}
                if isinstance(statement, (ast.Assign, ast.AnnAssign)) and names & DECLARATIONS:
                    return True
    return False


def _imported(tree: ast.Module, name: str, modules: dict[str, Path]) -> list[str]:
    """The package's modules that a module imports, at its top or within its functions."""
    is_package = modules[name].name == "__init__.py"
    within = name if is_package else name.rpartition(".")[0]
    imported = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = resolve_name("." * node.level + (node.module or ""), within) if node.level else node.module
            # `from a import b`: b is a module of a, or a name that a defines.
            submodules = (f"{base}.{alias.name}" for alias in node.names)
            imported += [module if module in modules else base for module in submodules]
    return [module for module in imported if module in modules]
