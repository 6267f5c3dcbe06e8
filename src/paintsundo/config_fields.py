"""Building a settings or hyperparameter dataclass from JSON-like data (a config.json, a manifest)."""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

T = TypeVar("T")


def from_known_fields(cls: type[T], data: dict[str, Any]) -> T:
    """cls(**data) keeping only cls's fields, with JSON lists turned back into (nested) tuples."""

    def tuples(value: Any) -> Any:
        return tuple(tuples(item) for item in value) if isinstance(value, list) else value

    known = {field.name for field in dataclasses.fields(cls)}
    return cls(**{key: tuples(value) for key, value in data.items() if key in known})
