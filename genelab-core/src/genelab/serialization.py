"""Configs to JSON (params/*.json) and back onto a typed template, and config differences.

Reading a params file never runs code: a saved type is only accepted when it is the
template's own type or an already-imported subclass of it (nothing is imported), and
callables saved as ``"module:name"`` keep the template's value.
"""

from __future__ import annotations

import copy
import dataclasses
import enum
import functools
import types
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from genelab.errors import GenelabError

TYPE_KEY = "__type__"


class ParamsError(GenelabError):
    """A params file does not fit the config it is read onto."""


def to_jsonable(value: Any) -> Any:
    """Turn a config (dataclasses, enums, callables, tuples, paths) into JSON data."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        data = {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {TYPE_KEY: qualified_name(type(value)), **data}
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


def restore(data: Any, template: Any, where: str = "config") -> Any:
    """Rebuild :func:`to_jsonable` output onto ``template`` (a config of the expected type).

    Dataclass fields are set recursively; a saved subclass of the template's type (e.g.
    another action distribution) is re-created when it is already imported, any other
    saved type is a :class:`ParamsError`. Lists become tuples where the template holds
    tuples, enums are looked up by name, callables keep the template's value, and a
    value of the wrong kind (a string where a number belongs) is a :class:`ParamsError`
    naming ``where`` and the dotted path. Fields the data lacks keep the template's value.
    """
    if dataclasses.is_dataclass(template) and not isinstance(template, type):
        if not isinstance(data, dict):
            raise ParamsError(f"{where}: expected a {type(template).__name__} section, got {data!r}")
        saved_type = data.get(TYPE_KEY)
        if saved_type and saved_type != qualified_name(type(template)):
            template = loaded_subclass(type(template), saved_type, where)()
        for f in dataclasses.fields(template):
            if f.name not in data:
                continue
            value, path = data[f.name], f"{where}.{f.name}"
            if value is None and _allows_none(type(template), f.name):
                setattr(template, f.name, None)
            elif _union_member(_hints(type(template)).get(f.name), value):
                setattr(template, f.name, value)  # e.g. a number where the default is "auto"
            else:
                setattr(template, f.name, restore(value, getattr(template, f.name), path))
        return template
    if isinstance(template, enum.Enum):
        if not isinstance(data, str) or data not in type(template).__members__:
            raise ParamsError(f"{where}: expected one of {', '.join(type(template).__members__)}, "
                              f"got {data!r}")
        return type(template)[data]
    if isinstance(template, dict):
        if not isinstance(data, dict):
            raise ParamsError(f"{where}: expected a mapping, got {data!r}")
        restored = {}
        for key, value in data.items():
            if key not in template and isinstance(value, dict) and TYPE_KEY in value:
                raise ParamsError(f"{where}: '{key}' is not part of this config any more")
            restored[key] = restore(value, template.get(key), f"{where}.{key}")
        return restored
    if isinstance(template, (list, tuple)):
        if not isinstance(data, list):
            raise ParamsError(f"{where}: expected a list, got {data!r}")
        items = [restore(v, template[i] if i < len(template) else None, f"{where}[{i}]")
                 for i, v in enumerate(data)]
        return tuple(items) if isinstance(template, tuple) else items
    if callable(template):
        return template
    if isinstance(template, Path):
        return Path(_expect(data, str, where))
    if isinstance(template, bool):
        return _expect(data, bool, where)
    if isinstance(template, int):
        return _expect(data, int, where)
    if isinstance(template, float):
        return float(_expect(data, (int, float), where))
    if isinstance(template, str):
        return _expect(data, str, where)
    return data


def _expect(data: Any, kinds: type | tuple[type, ...], where: str) -> Any:
    """``data`` if it is of ``kinds`` (a bool is no number here), else a :class:`ParamsError`."""
    if isinstance(data, bool) != (kinds is bool) or not isinstance(data, kinds):
        names = " or ".join(k.__name__ for k in (kinds if isinstance(kinds, tuple) else (kinds,)))
        raise ParamsError(f"{where}: expected {names}, got {data!r}")
    return data


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    try:
        return typing.get_type_hints(cls)
    except Exception:  # unresolvable forward references: assume nothing
        return {}


def _union_member(hint: Any, value: Any) -> bool:
    """Whether ``value`` (a JSON number or string) is one of the plain types or Literal
    choices of a union annotation such as ``float | str``."""
    if typing.get_origin(hint) not in (typing.Union, types.UnionType):
        return False
    if not isinstance(value, (bool, int, float, str)):
        return False
    for option in typing.get_args(hint):
        if typing.get_origin(option) is typing.Literal and value in typing.get_args(option):
            return True
        if option in (bool, int, float, str) and isinstance(value, option) and (
                isinstance(value, bool) == (option is bool)):
            return True
        if option is float and isinstance(value, int) and not isinstance(value, bool):
            return True
    return False


def _allows_none(cls: type, name: str) -> bool:
    """Whether field ``name`` of dataclass ``cls`` may hold ``None`` (by its annotation)."""
    hint = _hints(cls).get(name, Any)
    return hint is Any or hint is type(None) or type(None) in typing.get_args(hint)


def qualified_name(cls: type) -> str:
    """``package.module.Class`` (what params files record as a config's type)."""
    return f"{cls.__module__}.{cls.__qualname__}"


def loaded_subclass(base: type, name: str, where: str = "config") -> type:
    """The already-imported subclass of ``base`` (or ``base`` itself) called ``name``.

    Nothing is imported: a type that is not loaded yet (for agent configs: not provided by
    an installed backend) is a :class:`ParamsError`.
    """
    pending, seen = [base], set()
    while pending:
        cls = pending.pop()
        if cls in seen:
            continue
        seen.add(cls)
        if qualified_name(cls) == name:
            return cls
        pending.extend(cls.__subclasses__())
    raise ParamsError(f"{where}: type '{name}' is not a {base.__name__} of an installed "
                      "GeneLab package (refusing to import it)")


def flatten(config: Any, prefix: str) -> dict[str, Any]:
    """Every leaf of ``config`` as ``{dotted path: JSON value}`` (paths as overrides write them)."""
    return dict(_leaves(to_jsonable(config), prefix))


def _leaves(data: Any, prefix: str) -> Iterator[tuple[str, Any]]:
    if isinstance(data, dict):
        for key, value in data.items():
            if key == TYPE_KEY:
                yield f"{prefix}.{key}", value
            else:
                yield from _leaves(value, f"{prefix}.{key}")
    else:
        yield prefix, data


def differences(before: dict[str, Any], after: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """``(path, old, new)`` for every leaf that differs between two :func:`flatten` results
    (a leaf only one side has is ``None`` on the other)."""
    paths = list(before) + [p for p in after if p not in before]
    return [(p, before.get(p), after.get(p)) for p in paths if before.get(p) != after.get(p)]


def copy_paths(source: Any, target: Any, paths: list[str]) -> list[str]:
    """Set each dotted path (below the root name) of ``target`` to ``source``'s value there.

    Both are configs of the same shape (dataclasses and dicts); paths that ``target``
    lacks are skipped and returned.
    """
    skipped = []
    for path in paths:
        parts = path.split(".")[1:]
        src, dst = source, target
        try:
            for part in parts[:-1]:
                src, dst = _child(src, part), _child(dst, part)
            value = copy.deepcopy(_child(src, parts[-1]))
            _child(dst, parts[-1])
        except (KeyError, AttributeError):
            skipped.append(path)
            continue
        if isinstance(dst, dict):
            dst[parts[-1]] = value
        else:
            setattr(dst, parts[-1], value)
    return skipped


def _child(node: Any, name: str) -> Any:
    return node[name] if isinstance(node, dict) else getattr(node, name)
