"""Typed dotted overrides: ``--env.sim.dt 0.01`` or ``--agent.seed=3``.

Values are coerced from the dataclass field types (bool, int, float, str, None, tuples and
lists, Literal, Enum, unions) and checked against the field's constraints
(:mod:`genelab.constraints`). Every override is checked before anything is built: an
unknown key names the closest valid keys, a bad value names the key and what it must be.
"""

from __future__ import annotations

import ast
import dataclasses
import enum
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from genelab.constraints import field_hints, type_name, value_problem
from genelab.errors import GenelabError, close_matches

_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}
_NONE = {"none", "null"}


@dataclass(frozen=True)
class Override:
    """One ``--path value`` pair as the user typed it."""

    path: str
    raw: str


class OverrideError(GenelabError):
    """An override names an unknown key or carries a value of the wrong type."""


def parse_override_args(args: list[str], roots: tuple[str, ...]) -> list[Override]:
    """Split extra CLI arguments into overrides whose first path part is one of ``roots``.

    Accepts ``--root.a.b value`` and ``--root.a.b=value``; anything else is an error.
    """
    overrides: list[Override] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if not arg.startswith("--") or "." not in arg.split("=", 1)[0]:
            raise OverrideError(
                f"unexpected argument '{arg}'; overrides look like "
                f"--{roots[0]}.some.field VALUE (roots: {', '.join(roots)})"
            )
        key, has_value, value = arg[2:].partition("=")
        if not has_value:
            if i + 1 >= len(args):
                raise OverrideError(f"override --{key} needs a value")
            i += 1
            value = args[i]
        root = key.split(".", 1)[0]
        if root not in roots:
            raise OverrideError(
                f"unknown override root '--{root}' in '--{key}'; use one of: "
                + ", ".join(f"--{r}." for r in roots)
            )
        overrides.append(Override(key, value))
        i += 1
    return overrides


def apply_overrides(targets: dict[str, Any], overrides: list[Override]) -> None:
    """Set each override on its target object, coercing the value from the field type.

    ``targets`` maps a root name (``"env"``, ``"agent"``) to a dataclass instance. All
    overrides are validated first, then applied, so a bad one changes nothing.
    """
    planned = [_plan(targets, override) for override in overrides]
    for container, name, value in planned:
        if isinstance(container, dict):
            container[name] = value
        else:
            setattr(container, name, value)


def _plan(targets: dict[str, Any], override: Override) -> tuple[Any, str, Any]:
    root, *parts = override.path.split(".")
    node = targets[root]
    walked = [root]
    for depth, part in enumerate(parts):
        children = dict(_children(node))
        if part not in children:
            prefix = ".".join(walked)
            options = [f"{prefix}.{name}" for name in children]
            hint = close_matches(f"{prefix}.{part}", _leaf_paths(targets[root], root))
            hint = hint or close_matches(f"{prefix}.{part}", options)
            message = f"unknown override key '--{override.path}'"
            if hint:
                message += ": did you mean " + ", ".join(f"--{h}" for h in hint) + "?"
            elif options:
                message += f" ('{prefix}' has: {', '.join(sorted(children))})"
            raise OverrideError(message)
        hint_type, current = children[part]
        if depth == len(parts) - 1:
            if _is_node(current) and not isinstance(current, dict):
                raise OverrideError(
                    f"'--{override.path}' is a group of settings; override one of its fields"
                )
            value = coerce(override.raw, hint_type, current, override.path)
            _check(value, hint_type, override)
            return node, part, value
        node = current
        walked.append(part)
    raise OverrideError(f"override '--{override.path}' names a whole config; add a field")


def coerce(raw: str, hint: Any, current: Any, path: str) -> Any:
    """Convert ``raw`` to the type ``hint`` (falling back to the type of ``current``)."""
    if hint is Any or hint is None:
        hint = type(current) if current is not None else Any
    try:
        return _coerce(raw.strip(), hint)
    except (ValueError, SyntaxError, TypeError) as error:
        detail = f" ({error})" if str(error) else ""
        raise OverrideError(
            f"bad value '{raw}' for --{path}: expected {type_name(hint)}{detail}"
        ) from None


def _check(value: Any, hint: Any, override: Override) -> None:
    """Refuse a coerced value that breaks the field's constraints (``Annotated``)."""
    problem = value_problem(value, hint, override.path)
    if problem is not None:
        path, what = problem
        item = path[len(override.path):]
        raise OverrideError(f"bad value '{override.raw}' for --{override.path}: "
                            + (f"item {item} {what}" if item else what))


def _coerce(raw: str, hint: Any) -> Any:
    if typing.get_origin(hint) is typing.Annotated:
        hint = typing.get_args(hint)[0]
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if hint is Any:
        try:
            return ast.literal_eval(raw)
        except (ValueError, SyntaxError):
            return raw
    if origin is typing.Literal:
        for option in args:
            if str(option) == raw or (isinstance(option, str) and option.lower() == raw.lower()):
                return option
        raise ValueError("")
    if origin in (typing.Union, types.UnionType):
        if type(None) in args and raw.lower() in _NONE:
            return None
        for option in args:
            if option is type(None):
                continue
            try:
                return _coerce(raw, option)
            except (ValueError, SyntaxError, TypeError):
                continue
        raise ValueError("")
    if hint is type(None):
        if raw.lower() in _NONE:
            return None
        raise ValueError("")
    if hint is bool:
        lowered = raw.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ValueError("")
    if hint is int:
        return int(raw)
    if hint is float:
        return float(raw)
    if hint is str:
        return raw
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        for member in hint:
            if raw in (member.name, str(member.value)) or raw.lower() == member.name.lower():
                return member
        raise ValueError("")
    if origin in (tuple, list) or hint in (tuple, list):
        items = _split_sequence(raw)
        container = origin or hint
        if origin is tuple and args and not (len(args) == 2 and args[1] is Ellipsis):
            if len(items) != len(args):
                raise ValueError(f"{len(args)} items, got {len(items)}")
            return tuple(_coerce(item, arg) for item, arg in zip(items, args, strict=True))
        item_type = args[0] if args else Any
        return container(_coerce(item, item_type) for item in items)
    raise TypeError(f"fields of type {type_name(hint)} cannot be overridden")


def _split_sequence(raw: str) -> list[str]:
    """The top-level items of ``[a, b]``, ``(a, b)`` or ``a, b``: commas inside nested
    brackets or quotes do not split, and one pair of quotes around an item is dropped."""
    text = raw.strip()
    items = _top_level_items(text)
    if len(items) == 1 and (text[:1], text[-1:]) in (("[", "]"), ("(", ")")):
        items = _top_level_items(text[1:-1])
    return [_unquote(item) for item in items if item.strip()]


def _top_level_items(text: str) -> list[str]:
    items, current, depth, quote = [], [], 0, ""
    for char in text:
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "[(":
            depth += 1
        elif char in "])":
            depth -= 1
            if depth < 0:
                raise ValueError(f"unbalanced '{char}'")
        elif char == "," and depth == 0:
            items.append("".join(current))
            current = []
            continue
        current.append(char)
    if depth or quote:
        raise ValueError("unbalanced brackets" if depth else f"unclosed {quote}")
    items.append("".join(current))
    return items


def _unquote(item: str) -> str:
    item = item.strip()
    if len(item) >= 2 and item[0] == item[-1] and item[0] in "'\"":
        return item[1:-1]
    return item


def _is_node(value: Any) -> bool:
    return (dataclasses.is_dataclass(value) and not isinstance(value, type)) or isinstance(
        value, dict
    )


def _children(node: Any) -> Iterator[tuple[str, tuple[Any, Any]]]:
    """(name, (type hint, value)) for each settable child of a dataclass or dict."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield str(key), (type(value) if value is not None else Any, value)
        return
    if dataclasses.is_dataclass(node):
        hints = field_hints(type(node))
        for f in dataclasses.fields(node):
            if f.init and not f.name.startswith("_"):
                yield f.name, (hints.get(f.name, Any), getattr(node, f.name))


def iter_overridable(node: Any, prefix: str) -> Iterator[tuple[str, Any, Any]]:
    """Every overridable leaf under ``node``: (dotted path, type hint, current value)."""
    for name, (hint, value) in _children(node):
        path = f"{prefix}.{name}"
        if _is_node(value):
            yield from iter_overridable(value, path)
        elif not callable(value) or isinstance(value, (enum.Enum, type(None))):
            yield path, hint, value


def _leaf_paths(node: Any, prefix: str) -> list[str]:
    return [path for path, _, _ in iter_overridable(node, prefix)]
