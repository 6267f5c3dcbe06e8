"""Choosing the engine (auto, procedural or neural), with the reason, as one line."""

from __future__ import annotations

from dataclasses import dataclass

from paintsundo.errors import PaintsUndoError
from paintsundo.extras import NEURAL_PACKAGES, missing_neural_packages, require_extra


@dataclass(frozen=True)
class EngineChoice:
    engine: str
    reason: str
    models: object = None  # hub.ModelPaths for the neural engine
    device: str = "cpu"

    def first_device(self, gpus: tuple[int, ...]) -> str:
        """Where a one-device pipeline runs: the first GPU asked for, else the chosen device."""
        return f"cuda:{gpus[0]}" if gpus else self.device


def best_device() -> str:
    import torch

    if torch.cuda.is_available():
        return "cuda"
    if torch.backends.mps.is_available():
        return "mps"
    return "cpu"


def visible_gpus() -> tuple[int, ...]:
    """The numbers of the CUDA GPUs this process sees."""
    import torch

    return tuple(range(torch.cuda.device_count()))


def gpu_devices(gpus: tuple[int, ...]) -> list[str]:
    """The CUDA devices for GPU numbers, each checked to be there."""
    import torch

    count = torch.cuda.device_count()
    absent = [gpu for gpu in gpus if gpu >= count]
    if absent:
        seen = f"GPUs 0 to {count - 1}" if count else "no CUDA GPU"
        raise PaintsUndoError(f"GPU {absent[0]} is not there: this machine shows {seen}", "gpus")
    return [f"cuda:{gpu}" for gpu in gpus]


def _check_device(device: str) -> None:
    import torch

    if device == "cuda" and not torch.cuda.is_available():
        raise PaintsUndoError(
            "the CUDA device was asked for, but no CUDA GPU is available: use the CPU", "device"
        )
    if device == "mps" and not torch.backends.mps.is_available():
        raise PaintsUndoError(
            "the MPS device was asked for, but Apple's MPS is not available: use the CPU", "device"
        )


def choose_engine(requested: str, models_dir: str | None = None, device: str | None = None) -> EngineChoice:
    if requested == "procedural":
        return EngineChoice("procedural", "asked for")
    missing = missing_neural_packages()
    if requested == "neural":
        require_extra("neural", NEURAL_PACKAGES, "the neural engine")
        from paintsundo.hub import find_models, missing_weights_message

        models = find_models(models_dir)
        if models is None:
            raise PaintsUndoError(missing_weights_message(), "models")
        chosen = device or best_device()
        _check_device(chosen)
        return EngineChoice("neural", f"asked for; weights from {models.source}", models, chosen)
    return _auto(missing, models_dir, device)


def _auto(missing: list[str], models_dir: str | None, device: str | None) -> EngineChoice:
    if missing:
        return EngineChoice("procedural", "auto: the neural extra is not installed")
    from paintsundo.hub import find_models

    models = find_models(models_dir)
    if models is None:
        return EngineChoice("procedural", "auto: no neural weights found (see `paintsundo download`)")
    chosen = device or best_device()
    if chosen == "cpu":
        return EngineChoice(
            "procedural",
            "auto: neural weights found but no GPU; the neural engine on the CPU runs them slowly",
        )
    _check_device(chosen)
    return EngineChoice(
        "neural", f"auto: neural weights from {models.source} and a {chosen} device", models, chosen
    )
