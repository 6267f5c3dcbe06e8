"""One picture of a batch, as run inside a worker: never raises, returns its manifest record."""

from __future__ import annotations

import dataclasses
import json
import os
import time

from paintsundo.batch.coloring import ColorizeJob, color_item
from paintsundo.batch.items import BatchItem
from paintsundo.errors import PaintsUndoError
from paintsundo.outputs import sidecar
from paintsundo.undo.settings import Settings


def seeded(settings: Settings, seed: int) -> Settings:
    """The item's seed, given as `seed`: the procedural engine's and each neural stage's but one
    the settings give its own."""
    return dataclasses.replace(settings, seed=seed)


def made_as_asked(item: BatchItem, settings: Settings, format: str) -> bool:
    """Whether the output on disk was made from this picture with these settings: its sidecar
    manifest says so. Another run into the same folder may have replaced it since it was recorded."""
    try:
        made = json.loads(sidecar(item.output, ".json").read_text(encoding="utf-8"))
        asked = json.loads(json.dumps(seeded(settings, item.seed).to_json()))
        return (
            item.output.exists()
            and made["input"]["sha256"] == item.sha256
            and made["output"]["format"] == format
            and made["settings"] == asked
        )
    except (OSError, ValueError, KeyError, TypeError):
        return False


def item_record(item: BatchItem) -> dict:
    """The manifest fields every record of this picture has, whatever happens to it."""
    return {
        "input": str(item.input),
        "sha256": item.sha256,
        "key": item.key,
        "output": str(item.output),
        "seed": item.seed,
    }


def process_item(
    item: BatchItem, settings: dict, format: str, models: str | None, colorize: dict | None = None
) -> dict:
    """Draw one picture (or, with `colorize`, a ColorizeJob's fields, colour one sketch)."""
    from paintsundo.undo.api import make_video

    started = time.perf_counter()
    record = item_record(item)
    try:
        run = seeded(Settings.from_json(settings), item.seed)
        if colorize is not None:
            engine = color_item(item, run, ColorizeJob(**colorize))
        else:
            folder = f"{item.output.parent}{os.sep}"
            made = make_video(item.input, folder, run, format=format, name=item.name, models=models)
            engine = made.manifest["engine"]
        record.update(status="done", engine=engine, error=None)
    except Exception as error:  # a bad picture, or running out of memory, ends this picture only
        message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        if not isinstance(error, PaintsUndoError):
            message = f"{type(error).__name__}: {message}"
        record.update(status="failed", engine=settings.get("engine"), error=message)
    record["seconds"] = round(time.perf_counter() - started, 3)
    record["worker"] = os.getpid()
    if "CUDA_VISIBLE_DEVICES" in os.environ:
        record["gpu"] = os.environ["CUDA_VISIBLE_DEVICES"]
    return record


def failed_record(item: BatchItem, settings: dict, error: str, **extra: object) -> dict:
    """The record of a picture that failed outside process_item: its worker died, say."""
    record = {**item_record(item), "status": "failed", "engine": settings.get("engine"), "error": error}
    return {**record, "seconds": 0.0, **extra}


def crashed_record(item: BatchItem, settings: dict, attempts: int, reason: str | None = None) -> dict:
    """The record of a picture whose worker died on each of its attempts."""
    last = f"; the last time: {reason}" if reason else ""
    return failed_record(item, settings, f"its worker died {attempts} times{last}", attempts=attempts)
