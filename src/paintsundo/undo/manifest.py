"""The JSON run manifest written beside every output, and reading one back to repeat a run."""

from __future__ import annotations

import json
import platform
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from paintsundo._version import __version__
from paintsundo.errors import PaintsUndoError
from paintsundo.undo.settings import Settings

MANIFEST_VERSION = 1


def build_manifest(
    *,
    engine: str,
    engine_reason: str,
    settings: Settings,
    seeds_used: dict[str, int],
    warnings: list[str],
    input_path: Path | None,
    input_sha256: str,
    source_size: tuple[int, int],
    output: Path,
    format: str,
    size: tuple[int, int],
    frames: int,
    stages: list[dict[str, Any]],
    events: list[dict[str, Any]],
    timings: dict[str, float],
    provenance: str,
) -> dict[str, Any]:
    return {
        "manifest_version": MANIFEST_VERSION,
        "tool": "paintsundo",
        "version": __version__,
        "engine": engine,
        "engine_reason": engine_reason,
        "seed": settings.seed,  # as given; None: none was
        "seeds_used": seeds_used,
        "warnings": warnings,
        "settings": settings.to_json(),
        "input": {
            "path": str(input_path.resolve()) if input_path else None,
            "sha256": input_sha256,
            "size": list(source_size),
        },
        "output": {
            "path": str(output.resolve()),
            "format": format,
            "size": list(size),
            "frames": frames,
            "fps": settings.fps,
            "hold_frames": settings.hold_frames if format != "frames" else 0,
        },
        "stages": stages,
        "events": events,
        "timings": {name: round(seconds, 4) for name, seconds in timings.items()},
        "provenance": provenance,
        "platform": {"python": platform.python_version(), "machine": platform.machine()},
    }


@dataclass(frozen=True)
class ManifestRun:
    """What is needed to repeat a run: its input, settings, output and format."""

    input_path: Path
    input_sha256: str
    settings: Settings
    output: Path
    format: str


def read_manifest(path: str | Path) -> ManifestRun:
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        run = ManifestRun(
            input_path=Path(data["input"]["path"]),
            input_sha256=data["input"]["sha256"],
            settings=Settings.from_json(data["settings"]),
            output=Path(data["output"]["path"]),
            format=data["output"]["format"],
        )
    except FileNotFoundError:
        raise PaintsUndoError(f"manifest not found: {path}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise PaintsUndoError(f"cannot read manifest {path}: {error}") from None
    except (KeyError, TypeError):
        raise PaintsUndoError(f"{path} is not a paintsundo run manifest (fields are missing)") from None
    return run
