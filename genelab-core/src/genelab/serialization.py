"""Configs to JSON (params/*.json) and back onto a typed template."""

from __future__ import annotations

import dataclasses
import enum
import importlib
from pathlib import Path
from typing import Any

TYPE_KEY = "__type__"


def to_jsonable(value: Any) -> Any:
    """Turn a config (dataclasses, enums, callables, tuples, paths) into JSON data."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        data = {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {TYPE_KEY: _qualified(type(value)), **data}
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, type) or callable(value):
        return f"{getattr(value, '__module__', '?')}:{getattr(value, '__qualname__', repr(value))}"
    return repr(value)


def restore(data: Any, template: Any) -> Any:
    """Rebuild :func:`to_jsonable` output onto ``template`` (a config of the expected type).

    Dataclass fields are set recursively (a saved subclass, e.g. another distribution
    config, is re-created from its recorded type when importable), lists become tuples
    where the template holds tuples, enums are looked up by name, and callables saved as
    ``"module:name"`` keep the template's value. Keys the template lacks are ignored.
    """
    if dataclasses.is_dataclass(template) and isinstance(data, dict):
        saved_type = data.get(TYPE_KEY)
        if saved_type and saved_type != _qualified(type(template)):
            cls = _import_qualified(saved_type)
            if cls is not None and dataclasses.is_dataclass(cls):
                template = cls()
        for f in dataclasses.fields(template):
            if f.name in data:
                current = getattr(template, f.name)
                setattr(template, f.name, restore(data[f.name], current))
        return template
    if isinstance(template, enum.Enum) and isinstance(data, str):
        return type(template)[data]
    if isinstance(template, dict) and isinstance(data, dict):
        return {key: restore(value, template.get(key)) for key, value in data.items()}
    if isinstance(template, (list, tuple)) and isinstance(data, list):
        items = [restore(v, template[i] if i < len(template) else None)
                 for i, v in enumerate(data)]
        return tuple(items) if isinstance(template, tuple) else items
    if callable(template) and isinstance(data, str):
        return template
    if isinstance(template, Path) and isinstance(data, str):
        return Path(data)
    return data


def _qualified(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _import_qualified(name: str) -> Any:
    """Import ``package.module.Class`` (None when it cannot be found)."""
    parts = name.split(".")
    for split in range(len(parts) - 1, 0, -1):
        try:
            value: Any = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        try:
            for attr in parts[split:]:
                value = getattr(value, attr)
        except AttributeError:
            return None
        return value
    return None
