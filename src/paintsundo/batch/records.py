"""The batch manifest: one JSON line per finished picture, written only by the process that plans."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

from paintsundo.batch.items import BatchItem

MANIFEST_NAME = "batch.jsonl"


def read_records(path: Path) -> dict[str, dict]:
    """The latest record per key; a line cut short by a kill is ignored."""
    records: dict[str, dict] = {}
    if not path.is_file():
        return records
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(record, dict) and "key" in record:
            records[record["key"]] = record
    return records


def split_finished(
    records: dict[str, dict],
    items: list[BatchItem],
    retry_failed: bool,
    on_disk: Callable[[BatchItem], bool],
) -> tuple[dict[str, dict], list[BatchItem]]:
    """Records still valid (kept), and the items to (re)do: new, failed when retrying, or whose
    output on disk is gone or is no longer the one recorded (`on_disk` says)."""
    redo = []
    for item in items:
        record = records.get(item.key)
        done = record is not None and record["status"] == "done" and on_disk(item)
        failed = record is not None and record["status"] == "failed" and not retry_failed
        if not (done or failed):
            redo.append(item)
    keys = {item.key for item in redo}
    return {key: record for key, record in records.items() if key not in keys}, redo


def rewrite(path: Path, records: dict[str, dict]) -> None:
    """Replace the manifest with `records`, atomically: a line per key, no stale ones."""
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text("".join(json.dumps(record) + "\n" for record in records.values()), encoding="utf-8")
    os.replace(temporary, path)


class ManifestWriter:
    """Appends records, each flushed to disk before the next picture is counted."""

    def __init__(self, path: Path) -> None:
        self._file = path.open("a", encoding="utf-8")

    def append(self, record: dict) -> None:
        self._file.write(json.dumps(record) + "\n")
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        self._file.close()
