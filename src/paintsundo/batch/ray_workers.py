"""A batch on a Ray cluster, local or remote: one actor per worker (one GPU each for the neural
engine), each keeping its loaded models for all its pictures.

Pictures travel as bytes and results come back as bytes, so the machines need no shared folder; the
driver alone writes outputs and the manifest. A picture whose actor dies is given to a fresh actor,
and is recorded once, when it finishes.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import socket
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from paintsundo.batch.items import BatchItem
from paintsundo.batch.work import crashed_record, failed_record, process_item
from paintsundo.errors import PaintsUndoError
from paintsundo.outputs.atomic import partial_prefix

Files = dict[str, bytes]  # path relative to the output's folder -> content


@dataclass(frozen=True)
class RayOptions:
    address: str | None = None  # None: RAY_ADDRESS, or a new local instance
    gpus_per_worker: float | None = None  # None: one for the neural engine unless it runs on the CPU


class PictureWorker:
    """Runs inside a Ray actor: pictures in, output files and manifest records out."""

    def __init__(self, settings: dict, format: str, models: str | None) -> None:
        self.settings, self.format, self.models = settings, format, models

    def draw(self, item: BatchItem, picture: bytes | None) -> tuple[dict, Files]:
        """The picture's record, and its output files if it succeeded."""
        with tempfile.TemporaryDirectory(prefix="paintsundo-ray-") as folder:
            local_input = Path(folder) / "input" / item.input.name
            local_input.parent.mkdir()
            if picture is not None:
                local_input.write_bytes(picture)
            local = replace(item, input=local_input, output=Path(folder) / "output" / item.output.name)
            local.output.parent.mkdir()
            record = process_item(local, self.settings, self.format, self.models)
            record.update(input=str(item.input), output=str(item.output), node=_node_address())
            if record["error"]:
                record["error"] = record["error"].replace(str(local_input), str(item.input))
            if record["status"] != "done":
                return record, {}
            root = local.output.parent
            files = {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}
            return record, files


def run_on_ray(
    todo: list[BatchItem],
    settings: dict,
    format: str,
    models: str | None,
    workers: int | None,
    options: RayOptions,
    max_attempts: int,
) -> Iterator[dict]:
    """Records as pictures finish, their outputs already in place."""
    if not todo:
        return  # nothing to draw: no cluster to start or join
    ray, started_here = _connect(options.address)
    try:
        gpus = options.gpus_per_worker
        if gpus is None:  # Ray gives each actor its GPU; the neural engine needs one unless on the CPU
            gpus = 1.0 if settings.get("engine") == "neural" and settings.get("device") != "cpu" else 0.0
        count = workers or _default_workers(ray, gpus)
        actor_class = ray.remote(num_cpus=1, num_gpus=gpus, max_restarts=0)(PictureWorker)

        def start() -> object:
            return actor_class.remote(settings, format, models)

        yield from _schedule(ray, start, min(count, len(todo)), todo, settings, max_attempts)
    finally:
        if started_here:
            ray.shutdown()


def _schedule(ray, start, count: int, todo: list[BatchItem], settings: dict, max_attempts: int):
    """One picture per actor at a time; a dead actor is replaced and its picture queued again."""
    lost = (ray.exceptions.RayActorError, ray.exceptions.WorkerCrashedError, ray.exceptions.ObjectLostError)
    pending, attempts = list(todo), {item.key: 0 for item in todo}
    idle, running = [start() for _ in range(count)], {}
    try:
        while pending or running:
            while idle and pending:
                actor, item = idle.pop(), pending.pop(0)
                running[actor.draw.remote(item, _read(item.input))] = (actor, item)
            (ready,), _ = ray.wait(list(running), num_returns=1)
            actor, item = running.pop(ready)
            attempts[item.key] += 1
            try:
                record, files = ray.get(ready)
            except lost as error:
                ray.kill(actor)
                idle.append(start())
                if attempts[item.key] < max_attempts:
                    pending.insert(0, item)
                else:
                    yield crashed_record(item, settings, max_attempts, _first_line(error))
                continue
            except ray.exceptions.RayTaskError as error:  # the worker itself failed, around the picture
                record, files = failed_record(item, settings, _first_line(error)), {}
            idle.append(actor)
            if attempts[item.key] > 1:
                record["attempts"] = attempts[item.key]
            yield _store(record, files, item)
    finally:
        for actor in idle + [actor for actor, _ in running.values()]:
            ray.kill(actor)


def _store(record: dict, files: Files, item: BatchItem) -> dict:
    """Write a finished picture's files beside the batch's other outputs, each atomically."""
    folder = item.output.parent
    staging = folder / f"{partial_prefix(item.output)}ray.partial"
    try:
        for name, data in files.items():
            if name == f"{item.output.name}.json":  # its sidecar names the driver's paths
                data = _relocated_sidecar(data, item)
            target = staging / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        for entry in staging.iterdir() if files else ():
            destination = folder / entry.name
            if destination.is_dir() and entry.is_dir():
                shutil.rmtree(destination)
            os.replace(entry, destination)
    except OSError as error:
        record.update(status="failed", error=f"could not write {item.output}: {error.strerror or error}")
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return record


def _relocated_sidecar(data: bytes, item: BatchItem) -> bytes:
    sidecar = json.loads(data)
    sidecar.get("input", {})["path"] = str(item.input)
    sidecar.get("output", {})["path"] = str(item.output.resolve())
    return json.dumps(sidecar, indent=2).encode()


def _first_line(error: Exception) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__


def _read(path: Path) -> bytes | None:
    """The picture's bytes; None where unreadable, so that the worker records the error."""
    try:
        return path.read_bytes()
    except OSError:
        return None


def _connect(address: str | None) -> tuple[object, bool]:
    """Ray, initialised; and whether this call started a local instance (to stop at the end)."""
    try:
        import ray
    except ImportError:
        raise PaintsUndoError("running on Ray needs Ray: install paintsundo[ray]", "ray") from None
    if ray.is_initialized():
        return ray, False
    local = address is None and not os.environ.get("RAY_ADDRESS")
    if not local:
        check_reachable(address or os.environ["RAY_ADDRESS"])
    # A new local instance needs no dashboard and no chatter; an existing cluster's options are its own.
    own = {"include_dashboard": False, "logging_level": logging.WARNING} if local else {}
    try:
        ray.init(address=address, log_to_driver=False, **own)
    except (ConnectionError, RuntimeError, ValueError) as error:
        message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise PaintsUndoError(
            f"could not reach the Ray cluster at {address or os.environ.get('RAY_ADDRESS')}: {message}"
        ) from None
    return ray, local


def check_reachable(address: str) -> None:
    """Fail at once on a cluster address that nothing answers at (Ray itself retries for minutes)."""
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if address == "auto" or not host or not port.isdigit():
        return  # "auto" finds the local cluster itself and says so when there is none
    try:
        socket.create_connection((host, int(port)), timeout=5).close()
    except OSError as error:
        raise PaintsUndoError(
            f"could not reach the Ray cluster at {address}: {error.strerror or error};"
            " start one with `ray start --head` and pass its address"
        ) from None


def _default_workers(ray, gpus_per_worker: float) -> int:
    """One worker per GPU for GPU work, else one per CPU of the cluster."""
    resources = ray.cluster_resources()
    if gpus_per_worker:
        gpus = int(resources.get("GPU", 0) / gpus_per_worker)
        if gpus < 1:
            raise PaintsUndoError(
                "the Ray cluster has no GPUs: add GPU machines, or run the neural engine on the CPU", "device"
            )
        return gpus
    return max(1, int(resources.get("CPU", 1)))


def _node_address() -> str:
    import ray

    return ray.util.get_node_ip_address()
