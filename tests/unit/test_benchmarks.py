"""The benchmark scripts are entry points: what they share is one package, not each other."""

from __future__ import annotations

from conftest import ROOT, imported_modules

BENCHMARKS = ROOT / "benchmarks"


def test_no_benchmark_script_imports_another():
    scripts = {path.stem for path in BENCHMARKS.glob("*.py")}
    for path in [*BENCHMARKS.glob("*.py"), *BENCHMARKS.glob("_shared/*.py")]:
        tops = {name.split(".")[0] for name in imported_modules(path)}
        assert not tops & scripts, f"{path.name} imports {sorted(tops & scripts)}: move it to _shared/"
