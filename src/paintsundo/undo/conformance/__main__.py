"""python -m paintsundo.undo.conformance vectors REF_DIR OUT_DIR | e2e MODELS CASE OUT_DIR | keys OUT_DIR"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from paintsundo.undo.conformance.e2e import PIXEL_TOLERANCE, run_e2e
from paintsundo.undo.conformance.keys import write_key_listings
from paintsundo.undo.conformance.vectors import run_vectors

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False)


@app.command()
def vectors(
    ref_dir: Annotated[Path, typer.Argument(exists=True, file_okay=False)],
    out_dir: Path,
    device: Annotated[str, typer.Option(help="Run the module cases on this device (e.g. cuda).")] = "cpu",
) -> None:
    """Run every golden-vector case in REF_DIR, write OUT_DIR/<case>.out.safetensors and compare."""
    results = run_vectors(ref_dir, out_dir, device)
    for result in results:
        if not result.supported:
            reason = "the reference draws its noise on the CPU" if device != "cpu" else "not supported"
            typer.echo(f"{result.case}: skipped ({reason})")
            continue
        for key, error in sorted(result.errors.items()):
            verdict = "ok" if error <= result.tolerance else "FAIL"
            typer.echo(
                f"{result.case}.{key}: relative error {error:.3e} (tolerance {result.tolerance:g}) {verdict}"
            )
        if not result.errors:
            typer.echo(f"{result.case}: computed (no expected outputs to compare)")
    sys.exit(0 if all(result.passed for result in results) else 1)


@app.command()
def e2e(models_dir: Path, case_dir: Path, out_dir: Path) -> None:
    """Run the reference flow on MODELS_DIR's checkpoints with CASE_DIR's settings; compare."""
    result = run_e2e(models_dir, case_dir, out_dir)
    verdict = {True: "matches", False: "DIFFERS", None: "-"}[result.prompt_matches]
    typer.echo(f"prompt: {verdict}")
    for name, error in (("keyframes", result.keyframe_error), ("video", result.video_error)):
        if error is not None:
            typer.echo(f"{name}: largest difference {error} levels (tolerance {PIXEL_TOLERANCE})")
    sys.exit(0 if result.passed else 1)


@app.command()
def keys(out_dir: Path) -> None:
    """Write the tensor listing of every full-size component to OUT_DIR/<repo>__<component>.tsv."""
    for path in write_key_listings(out_dir):
        typer.echo(str(path))


if __name__ == "__main__":
    app()
