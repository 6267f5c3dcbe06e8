"""`paintsundo compile`: prepare the neural engine's compiled work once, for every later run."""

from __future__ import annotations

from pathlib import Path

import typer

from paintsundo.cli import app, options
from paintsundo.cli.progress import progress_bars
from paintsundo.cli.run import console
from paintsundo.undo.settings import Settings


@app.command(name="compile")
def compile_work(
    context: typer.Context,
    models: options.Models = None,
    device: options.Device = None,
    operation_steps: options.OperationSteps = None,
    keyframe_size: options.KeyframeSize = None,
    buckets: options.Buckets = None,
    segment_batch: options.SegmentBatch = None,
    quiet: options.Quiet = False,
) -> None:
    """Prepare the neural engine's compiled work for this GPU, once (minutes).

    Compiles its blocks ahead of time for this GPU and the job's sizes (the default job unless
    told), into the user's cache: later runs, the app and batch workers load them in seconds
    instead of compiling. Needs a CUDA GPU and a C++ compiler; GPUs of one model share them."""
    settings = options.NeuralOptions.from_params(context.params).apply(Settings(engine="neural"))
    prepare_compiled_work(settings, models, quiet)


def prepare_compiled_work(settings: Settings, models: Path | None, quiet: bool) -> None:
    """Record the job's block calls, say how long compiling them takes, then compile them."""
    from paintsundo.undo.neural import plan_compiled_work

    with progress_bars(console, quiet) as report:
        preparation = plan_compiled_work(settings, models=models, progress=report)
    count = len(preparation.calls)
    if count == 0:
        console.print(f"every block call of this job is prepared already, in {preparation.folder}")
        return
    if not quiet:
        minutes = max(1, round(preparation.estimated_seconds / 60))
        console.print(
            f"{count} block shapes to compile ({preparation.prepared_before} prepared before):"
            f" about {minutes} min"
        )
    with progress_bars(console, quiet) as report:
        seconds = preparation.compile(report)
    console.print(f"prepared {count} block shapes in {seconds / 60:.1f} min, into {preparation.folder}")
