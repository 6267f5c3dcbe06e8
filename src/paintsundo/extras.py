"""Which optional packages (the install's extras) are present, asked without importing them."""

from __future__ import annotations

import importlib.util

from paintsundo.errors import PaintsUndoError

NEURAL_PACKAGES = ("torch", "diffusers", "transformers", "onnxruntime", "huggingface_hub", "einops")


def missing_packages(names: tuple[str, ...]) -> list[str]:
    """Which of these importable packages are not installed."""
    missing = []
    for name in names:
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):  # a package whose import is blocked or broken
            found = False
        if not found:
            missing.append(name)
    return missing


def missing_neural_packages() -> list[str]:
    return missing_packages(NEURAL_PACKAGES)


def require_extra(extra: str, packages: tuple[str, ...], purpose: str) -> None:
    """Fail in one line, before any import, when `purpose` needs packages of an extra not installed."""
    missing = missing_packages(packages)
    if missing:
        torch_first = " (after the torch build for your machine)" if "torch" in missing else ""
        raise PaintsUndoError(
            f"{purpose} needs {', '.join(missing)}: install paintsundo[{extra}]{torch_first}"
        )
