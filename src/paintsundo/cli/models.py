"""`paintsundo download` and `paintsundo doctor`: getting the weights and seeing what is there."""

from __future__ import annotations

import platform
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from paintsundo._version import __version__
from paintsundo.cli import app, options

# What these commands report is their output, so it goes to stdout.
console = Console(highlight=False, soft_wrap=True, markup=False, emoji=False)


@app.command()
def download(
    to: Annotated[
        Path | None,
        typer.Option("--to", help="Folder to download into (default: the Hugging Face cache)."),
    ] = None,
    colorize: Annotated[
        bool,
        typer.Option(
            "--colorize",
            help="Fetch the neural colourist's weights instead: its base model (Anything V3), the"
            " lineart_anime ControlNet and the SD1.5 IP-Adapter (about 8.3 GB).",
        ),
    ] = False,
    compile: Annotated[
        bool,
        typer.Option(
            "--compile",
            help="Then prepare the compiled work for this GPU, as `paintsundo compile` does (minutes,"
            " once; later runs load it in seconds).",
        ),
    ] = False,
) -> None:
    """Fetch both Paints-UNDO models and the WD14 tagger with huggingface_hub (resumable)."""
    if colorize:
        _download_colorist(to)
        return
    from paintsundo.hub import download as fetch

    paths = fetch(to)
    _report_download(
        [("single-frame model", paths.single_frame), ("multi-frame model", paths.multi_frame),
         ("tagger", paths.tagger)], to,
    )  # fmt: skip
    if compile:
        from paintsundo.cli.compiling import prepare_compiled_work
        from paintsundo.undo.settings import Settings

        prepare_compiled_work(Settings(engine="neural"), to, quiet=False)
    elif _has_cuda():
        console.print("for faster runs on this GPU, prepare the compiled work once: paintsundo compile")


def _has_cuda() -> bool:
    from paintsundo.extras import missing_neural_packages

    if missing_neural_packages():
        return False
    import torch

    return torch.cuda.is_available()


def _download_colorist(to: Path | None) -> None:
    from paintsundo.hub import download_colorist

    paths = download_colorist(to)
    _report_download(
        [("colourist base model", paths.base), ("lineart ControlNet", paths.controlnet),
         ("IP-Adapter", paths.ip_adapter)], to,
    )  # fmt: skip


def _report_download(written: list[tuple[str, Path | None]], to: Path | None) -> None:
    for name, path in written:
        console.print(f"{name}: {path}")
    if to is not None:
        console.print(f"use them with --models {to}, or set PAINTSUNDO_MODELS={to}")


@app.command()
def doctor(models: options.Models = None) -> None:
    """Report what is installed and found: packages, weights, GPU and its memory."""
    from paintsundo.extras import missing_neural_packages

    table = Table(show_header=False, box=None)
    table.add_row("paintsundo", __version__)
    table.add_row("python", platform.python_version())
    missing = missing_neural_packages()
    table.add_row("neural extra", "installed" if not missing else f"missing {', '.join(missing)}")
    if not missing:
        _weights_rows(table, models)
        _colorist_rows(table, models)
        _device_rows(table)
    console.print(table)


def _weights_rows(table: Table, models: Path | None) -> None:
    from paintsundo.errors import PaintsUndoError
    from paintsundo.hub import find_models, missing_weights_message

    try:
        found = find_models(models)
    except PaintsUndoError as error:
        table.add_row("weights", Text(str(error), style="red"))
        return
    if found is None:
        table.add_row("weights", f"not found: {missing_weights_message()}")
        return
    table.add_row("weights", f"found in {found.source}")
    for name, path in (
        ("single-frame", found.single_frame),
        ("multi-frame", found.multi_frame),
        ("tagger", found.tagger),
    ):
        table.add_row(f"  {name}", str(path))


def _colorist_rows(table: Table, models: Path | None) -> None:
    from paintsundo.hub import find_colorist_models

    found = find_colorist_models(models)
    table.add_row("colourist weights", "found" if found.base else "no base model downloaded")
    for name, path in (
        ("base", found.base),
        ("controlnet", found.controlnet),
        ("ip-adapter", found.ip_adapter),
    ):
        table.add_row(f"  {name}", str(path) if path else "not found")


def _device_rows(table: Table) -> None:
    import torch

    table.add_row("torch", torch.__version__)
    if torch.cuda.is_available():
        for index in range(torch.cuda.device_count()):
            free, total = torch.cuda.mem_get_info(index)
            name = torch.cuda.get_device_name(index)
            table.add_row(f"cuda:{index}", f"{name}, {free / 2**30:.1f} of {total / 2**30:.1f} GiB free")
        from paintsundo.undo.neural import compiled_work_state

        table.add_row("compiled work", compiled_work_state("cuda:0"))
    elif torch.backends.mps.is_available():
        table.add_row("device", "Apple MPS")
    else:
        table.add_row("device", "no GPU: the neural engine runs on the CPU, slowly")
