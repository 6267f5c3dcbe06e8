"""`vectors REF_DIR OUT_DIR`: run every golden-vector case with our models and compare."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from paintsundo.undo.conformance.cases import INPUTS, MODULE_TOLERANCE, RUNNERS, TOLERANCES


@dataclass(frozen=True)
class CaseResult:
    case: str
    supported: bool
    errors: dict[str, float]  # relative error per output key that has an expected value
    tolerance: float

    @property
    def passed(self) -> bool:
        return not self.supported or all(error <= self.tolerance for error in self.errors.values())


def discover_cases(ref_dir: Path) -> list[str]:
    cases = sorted(path.name.removesuffix(".json") for path in ref_dir.glob("*.json"))
    if "mf_unet" in cases:
        cases.insert(cases.index("mf_unet") + 1, "mf_unet_windows")
    return cases


def relative_error(ours: torch.Tensor, reference: torch.Tensor) -> float:
    ours, reference = ours.double(), reference.double()
    scale = reference.norm().item()
    return (ours - reference).norm().item() / (scale if scale > 0 else 1.0)


def run_case(ref_dir: Path, out_dir: Path, case: str, device: str = "cpu") -> CaseResult:
    """Run one case; weights and inputs go to `device`. Sampler cases need the CPU's noise."""
    source = "mf_unet" if case == "mf_unet_windows" else case
    tolerance = TOLERANCES.get(case, MODULE_TOLERANCE)
    if case not in RUNNERS or (case in TOLERANCES and device != "cpu"):
        return CaseResult(case, False, {}, tolerance)
    config = json.loads((ref_dir / f"{source}.json").read_text())["config"]
    config["reference_dir"] = str(ref_dir)  # sampler cases read their UNet's config beside them
    weights_file = ref_dir / config.get("weights_file", f"{source}.weights.safetensors")
    io = load_file(ref_dir / f"{source}.io.safetensors")
    inputs = {name: io[name].to(device) for name in INPUTS[case] if name in io}
    weights = {name: tensor.to(device) for name, tensor in load_file(weights_file).items()}
    with torch.inference_mode():
        outputs = RUNNERS[case](config, weights, inputs)
    outputs = {name: tensor.float().cpu().contiguous() for name, tensor in outputs.items()}
    save_file(outputs, out_dir / f"{case}.out.safetensors")
    expected = _expected(ref_dir, case, io)
    errors = {name: relative_error(outputs[name], expected[name]) for name in outputs if name in expected}
    return CaseResult(case, True, errors, tolerance)


def _expected(ref_dir: Path, case: str, source_io: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Outputs stored beside the inputs, or in <case>.expected.safetensors for held-back sets."""
    found: dict[str, torch.Tensor] = {}
    for path in (ref_dir / f"{case}.io.safetensors", ref_dir / f"{case}.expected.safetensors"):
        if path.is_file():
            found.update(load_file(path))
    if case != "mf_unet_windows":
        found.update({k: v for k, v in source_io.items() if k not in INPUTS.get(case, ())})
    return {name: tensor for name, tensor in found.items() if name not in INPUTS.get(case, ())}


def run_vectors(ref_dir: Path, out_dir: Path, device: str = "cpu") -> list[CaseResult]:
    out_dir.mkdir(parents=True, exist_ok=True)
    with full_float32():
        return [run_case(ref_dir, out_dir, case, device) for case in discover_cases(ref_dir)]


@contextlib.contextmanager
def full_float32() -> Iterator[None]:
    """Within: convolutions and matrix products in float32 proper, as the golden data was made (cuDNN
    would otherwise run convolutions in TF32, about 1e-3 precise); the process's switches come back."""
    before = torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32
    torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = False
    try:
        yield
    finally:
        torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32 = before
