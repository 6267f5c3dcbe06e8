"""Running a batch: plan, skip what is finished, run the rest in worker processes, record each."""

from __future__ import annotations

import multiprocessing
import os
import time
from collections import Counter
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from paintsundo.batch.coloring import ColorizeJob, colored_as_asked, plan_color_items
from paintsundo.batch.items import BatchItem, expand_inputs, plan_items
from paintsundo.batch.lifeline import start_worker
from paintsundo.batch.ray_workers import RayOptions, run_on_ray
from paintsundo.batch.records import MANIFEST_NAME, ManifestWriter, read_records, rewrite, split_finished
from paintsundo.batch.work import crashed_record, made_as_asked, process_item
from paintsundo.errors import PaintsUndoError
from paintsundo.extras import NEURAL_PACKAGES, require_extra
from paintsundo.outputs import check_writable
from paintsundo.outputs.atomic import remove_stale_partials
from paintsundo.undo.settings import Settings

# progress(finished, total, record): record is None for the initial call
BatchProgress = Callable[[int, int, dict | None], None]
MAX_ATTEMPTS = 3  # a picture whose worker process dies this often is recorded as failed


@dataclass(frozen=True)
class BatchSummary:
    done: int
    failed: int  # this run, plus earlier failures that were not retried
    skipped: int  # done by an earlier run; with done and failed, each picture is counted once
    seconds: float
    manifest: Path


class BatchInterrupted(KeyboardInterrupt):
    """Ctrl-C (or SIGTERM) stopped a batch: its workers are gone, and `summary` says what finished."""

    def __init__(self, summary: BatchSummary) -> None:
        super().__init__(f"{summary.done} pictures finished before the batch was stopped")
        self.summary = summary


def _resume(
    manifest: Path, items: list, retry_failed: bool, on_disk: Callable[[BatchItem], bool]
) -> tuple[list, Counter]:
    """What is left to draw, and how the rest ended in earlier runs (done or failed, a count per
    picture); the manifest keeps the records of the rest. `on_disk` says whether an item's output
    is there, made as asked."""
    remove_stale_partials(manifest.parent)  # a killed run's temporary files, not a running one's
    kept, todo = split_finished(read_records(manifest), items, retry_failed, on_disk)
    rewrite(manifest, kept)
    redo = {item.key for item in todo}
    return todo, Counter(kept[item.key]["status"] for item in items if item.key not in redo)


def _check_asked(
    settings: Settings, workers: int | None, ray: RayOptions | None, colorize: ColorizeJob | None
) -> None:
    """Fail on what cannot run at all before anything is written, rather than once per picture."""
    if workers is not None and workers < 1:
        raise PaintsUndoError(f"workers must be at least 1, got {workers}", "workers")
    if colorize is not None and ray is not None:
        raise PaintsUndoError("colouring batches run on local workers, not on Ray yet: leave Ray out", "ray")
    if ray is not None:  # the cluster's machines, not this one, need the neural extra
        require_extra("ray", ("ray",), "running on Ray")
    elif colorize is not None and colorize.engine == "neural":
        require_extra("neural", NEURAL_PACKAGES, "the neural colourist")
    elif colorize is None and settings.engine == "neural":
        require_extra("neural", NEURAL_PACKAGES, "the neural engine")


def _open_output(
    out: Path, items: list, retry_failed: bool, on_disk: Callable[[BatchItem], bool]
) -> tuple[list, Counter, ManifestWriter]:
    """The output folder made, its manifest resumed (see _resume) and opened for appending; a
    folder that cannot be written fails here, in one line, before any picture is started."""
    manifest = out / MANIFEST_NAME
    check_writable(manifest)
    try:
        out.mkdir(parents=True, exist_ok=True)
        todo, earlier = _resume(manifest, items, retry_failed, on_disk)
        return todo, earlier, ManifestWriter(manifest)
    except OSError as error:  # what the folder's permissions do not tell: a read-only disk, /proc
        raise PaintsUndoError(
            f"cannot write output folder {out}: {error.strerror or error}; choose another folder"
        ) from None


def run_batch(
    inputs: str | list[Path],
    out_dir: str | Path,
    settings: Settings,
    *,
    format: str = "mp4",
    workers: int | None = None,
    retry_failed: bool = False,
    models: str | None = None,
    gpus: list[str] | None = None,
    ray: RayOptions | None = None,
    colorize: ColorizeJob | None = None,
    progress: BatchProgress | None = None,
) -> BatchSummary:
    """Draw every picture of `inputs` (a spec for expand_inputs, or the paths it gave) into `out_dir`;
    rerunning skips what is finished.

    Locally, `workers` processes (default 1); with `gpus`, worker i sees only GPU gpus[i] (one worker
    per GPU, each loading the models once). With `ray`, actors on a Ray cluster (default: one per GPU
    for GPU work, else one per CPU). With `colorize`, `inputs` are line drawings to colour, each with
    its hints beside it (sketch.hints.png), and `format` is not used."""
    _check_asked(settings, workers, ray, colorize)
    started = time.perf_counter()
    out = Path(out_dir)
    paths = expand_inputs(inputs) if isinstance(inputs, str) else inputs
    items, on_disk = _plan(paths, out, settings, format, colorize)
    todo, earlier, writer = _open_output(out, items, retry_failed, on_disk)
    manifest = out / MANIFEST_NAME
    counts = {"done": 0, "failed": 0}

    def summary() -> BatchSummary:
        failed = counts["failed"] + earlier["failed"]
        elapsed = time.perf_counter() - started
        return BatchSummary(counts["done"], failed, earlier["done"], elapsed, manifest)

    if progress:
        progress(0, len(todo), None)
    if ray is not None:
        records = run_on_ray(todo, settings.to_json(), format, models, workers, ray, MAX_ATTEMPTS)
    else:
        job = colorize and colorize.to_json()
        records = _run_local(todo, settings.to_json(), format, models, workers or 1, gpus, job)
    try:
        _record_all(records, writer, counts, progress, len(todo))
    except KeyboardInterrupt:
        remove_stale_partials(out)  # the stopped workers' partial files
        # Ctrl-C may land between a record's write and its count: the manifest is what finished.
        written = read_records(manifest)
        for status in counts:
            counts[status] = sum(written.get(item.key, {}).get("status") == status for item in todo)
        raise BatchInterrupted(summary()) from None
    return summary()


def _record_all(
    records: Generator[dict], writer: ManifestWriter, counts: dict, progress: BatchProgress | None, total: int
) -> None:
    """Write and count each record as its picture finishes; then stop any worker still drawing."""
    try:
        for record in records:
            writer.append(record)
            counts[record["status"]] += 1
            if progress:
                progress(counts["done"] + counts["failed"], total, record)
    finally:
        records.close()
        writer.close()


def _plan(
    paths: list[Path], out: Path, settings: Settings, format: str, colorize: ColorizeJob | None
) -> tuple[list[BatchItem], Callable[[BatchItem], bool]]:
    """The batch's items, and how to tell that an item's output on disk is finished as asked."""
    if colorize is None:
        return plan_items(paths, out, settings, format), partial(
            made_as_asked, settings=settings, format=format
        )
    return plan_color_items(paths, out, settings, colorize), partial(colored_as_asked, job=colorize)


def _run_local(
    todo: list[BatchItem],
    settings: dict,
    format: str,
    models: str | None,
    workers: int,
    gpus: list[str] | None,
    colorize: dict | None = None,
) -> Iterator[dict]:
    """Records as pictures finish. One worker runs here; more run as spawned processes, and a
    crashed process's pictures go to a fresh pool (up to MAX_ATTEMPTS times each)."""
    if gpus:
        workers = min(workers, len(gpus))
    if workers == 1 and not gpus:
        for item in todo:
            yield process_item(item, settings, format, models, colorize)
        return
    attempts = {item.key: 0 for item in todo}
    pending = list(todo)
    while pending:
        context = multiprocessing.get_context("spawn")
        slots = context.Queue() if gpus else None
        for gpu in (gpus or [])[:workers]:
            slots.put(gpu)
        stop = context.Event()
        pool = ProcessPoolExecutor(
            max_workers=min(workers, len(pending)),
            mp_context=context,
            initializer=start_worker,
            initargs=(os.getpid(), stop, slots),
        )
        try:
            futures = {
                pool.submit(process_item, item, settings, format, models, colorize): item for item in pending
            }
            pending = []
            for future in as_completed(futures):
                item = futures[future]
                attempts[item.key] += 1
                try:
                    record = future.result()
                except BrokenProcessPool:
                    if attempts[item.key] < MAX_ATTEMPTS:
                        pending.append(item)
                    else:
                        yield crashed_record(item, settings, MAX_ATTEMPTS)
                    continue
                if attempts[item.key] > 1:
                    record["attempts"] = attempts[item.key]
                yield record
        except BaseException:  # Ctrl-C, or the caller stopped reading: no worker may go on drawing
            stop.set()
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
