"""Constraints on config values, declared next to the fields they guard.

A config field states what values it accepts with :data:`typing.Annotated` and the
constraint objects of the ``annotated-types`` library::

    from genelab.constraints import Fraction, PositiveFloat, PositiveInt

    @dataclass
    class MyAlgorithmCfg:
        gamma: Fraction = 0.99            # 0 <= gamma <= 1
        learning_rate: PositiveFloat = 1e-3
        epochs: PositiveInt = 5

One checker reads them: :func:`check_config` walks a whole config (task defaults,
presets, params files) and :func:`value_problem` checks one value (a dotted override).
Both also check the value against the field's type (``int``, ``Literal`` choices,
list items, unions), and no float anywhere may be NaN. The CLI runs them before
anything is built or written.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import math
import re
import sys
import types
import typing
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any

from annotated_types import (
    BaseMetadata,
    Ge,
    GroupedMetadata,
    Gt,
    Le,
    Lt,
    MaxLen,
    MinLen,
    MultipleOf,
    Predicate,
)

from genelab.errors import GenelabError


def increasing(pair: tuple[float, float]) -> bool:
    """a (low, high) pair with low < high"""
    return pair[0] < pair[1]


def non_decreasing(pair: tuple[float, float]) -> bool:
    """a (min, max) pair with min <= max"""
    return pair[0] <= pair[1]


def not_blank(text: str) -> bool:
    """non-empty"""
    return bool(text.strip())


def plugin_name(text: object) -> bool:
    """letters, digits, '-' and '_', starting with a letter or digit (backend and preset
    names: they become folder names and CLI arguments)"""
    return isinstance(text, str) and re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*", text) is not None


def folder_name(text: str) -> bool:
    """one plain folder name (no '/', '\\', '..' or surrounding spaces): runs stay inside
    the log directory"""
    return bool(text) and not ("/" in text or "\\" in text or "\0" in text
                               or text in (".", "..") or text != text.strip())


def folder_name_or_empty(text: str) -> bool:
    """empty or one plain folder name (no '/', '\\', '..' or surrounding spaces)"""
    return text == "" or folder_name(text)


#: A float that is neither infinite nor NaN.
Finite = Predicate(math.isfinite)

PositiveInt = Annotated[int, Ge(1)]
NonNegativeInt = Annotated[int, Ge(0)]
FiniteFloat = Annotated[float, Finite]
PositiveFloat = Annotated[float, Gt(0), Finite]
NonNegativeFloat = Annotated[float, Ge(0), Finite]
#: A float in ``[0, 1]`` (a discount, a GAE lambda, a soft-update rate).
Fraction = Annotated[float, Ge(0), Le(1)]
#: What ``torch.manual_seed`` and numpy accept alike.
Seed = Annotated[int, Ge(0), Lt(2**63)]
#: Hidden layer sizes: at least one layer, each at least one unit.
LayerSizes = Annotated[list[PositiveInt], MinLen(1)]
#: ``(low, high)`` with ``low < high``, both finite.
Bounds = Annotated[tuple[FiniteFloat, FiniteFloat], Predicate(increasing)]
#: ``(min, max)`` seconds with ``0 < min <= max``.
TimeRange = Annotated[tuple[PositiveFloat, PositiveFloat], Predicate(non_decreasing)]
#: A name that must not be empty (class names, group names).
Name = Annotated[str, Predicate(not_blank)]
#: One folder of a run's path (experiment names).
FolderName = Annotated[str, Predicate(folder_name)]

_PREDICATE_TEXT: dict[Callable[..., Any], str] = {math.isfinite: "finite"}


class ConfigValueError(GenelabError):
    """A config value breaks its field's type or constraints."""


#: For each kind of constraint: whether a value meets it, and what it asks for (as it
#: reads after "must be" / "must have").
_RULES: dict[type, tuple[Callable[[Any, Any], bool], Callable[[Any], str]]] = {
    Gt: (lambda c, v: v > c.gt, lambda c: f"> {c.gt}"),
    Ge: (lambda c, v: v >= c.ge, lambda c: f">= {c.ge}"),
    Lt: (lambda c, v: v < c.lt, lambda c: f"< {c.lt}"),
    Le: (lambda c, v: v <= c.le, lambda c: f"<= {c.le}"),
    MultipleOf: (lambda c, v: v % c.multiple_of == 0, lambda c: f"a multiple of {c.multiple_of}"),
    MinLen: (lambda c, v: len(v) >= c.min_length, lambda c: f"at least {c.min_length} item(s)"),
    MaxLen: (lambda c, v: len(v) <= c.max_length, lambda c: f"at most {c.max_length} item(s)"),
    Predicate: (lambda c, v: bool(c.func(v)),
                lambda c: _PREDICATE_TEXT.get(c.func) or (c.func.__doc__ or c.func.__name__).strip()),
}


def describe(constraint: BaseMetadata) -> str:
    """What a constraint asks for, as it reads after "must be" / "must have"."""
    rule = _RULES.get(type(constraint))
    return rule[1](constraint) if rule else repr(constraint)


def _satisfied(constraint: Any, value: Any) -> bool:
    rule = _RULES.get(type(constraint))
    return rule is None or rule[0](constraint, value)  # others (docs, units) ask nothing


def _constraints(metadata: tuple[Any, ...]) -> Iterator[Any]:
    for item in metadata:
        if isinstance(item, GroupedMetadata):  # Interval, Len: several constraints in one
            yield from item
        else:
            yield item


def _verb(constraint: Any) -> str:
    return "must have" if isinstance(constraint, (MinLen, MaxLen)) else "must be"


def value_problem(value: Any, hint: Any, path: str) -> tuple[str, str] | None:
    """The first way ``value`` breaks ``hint`` (a type, possibly ``Annotated``), as
    ``(dotted path, what is wrong)``; ``None`` when it fits."""
    return next(_problems(value, hint, path), None)


def _problems(value: Any, hint: Any, path: str) -> Iterator[tuple[str, str]]:
    if typing.get_origin(hint) is Annotated:
        base, *metadata = typing.get_args(hint)
        inner = list(_problems(value, base, path))
        if inner:
            yield from inner
            return
        for constraint in _constraints(tuple(metadata)):
            try:
                ok = _satisfied(constraint, value)
            except (TypeError, ValueError, OverflowError):  # None in a union, 10**400
                ok = False
            if not ok:
                yield path, f"{_verb(constraint)} {describe(constraint)}"
                return
        return
    yield from _type_problems(value, hint, path)


#: Plain types: the Python types a value of each may be, and how it is named.
_SCALARS: dict[Any, tuple[tuple[type, ...], str]] = {
    type(None): ((type(None),), "None"),
    bool: ((bool,), "true or false"),
    int: ((int,), "an integer"),
    float: ((int, float), "a number"),
    str: ((str,), "a string"),
    Path: ((str, Path), "a path"),
}


def _type_problems(value: Any, hint: Any, path: str) -> Iterator[tuple[str, str]]:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        if hint is not Any and isinstance(hint, type) and not isinstance(value, hint):
            yield path, f"expected a {hint.__name__}, got a {type(value).__name__}"
            return
        yield from _dataclass_problems(value, path)
        return
    if isinstance(value, float) and math.isnan(value):
        yield path, "must not be NaN"
        return
    if hint is Any or isinstance(hint, (typing.TypeVar, str)) or hint is None:
        return
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return
        found = [list(_problems(value, option, path)) for option in args
                 if option is not type(None)]
        if not any(not problems for problems in found):
            yield from _first_relevant(found, value, path, hint)
        return
    if origin is typing.Literal:
        if value not in args:
            yield path, "must be one of " + ", ".join(repr(a) for a in args)
        return
    if hint in _SCALARS:
        kinds, name = _SCALARS[hint]
        if not isinstance(value, kinds) or (isinstance(value, bool) and hint is not bool):
            yield path, f"expected {name}, got {value!r}"
        return
    if origin in (list, tuple) or hint in (list, tuple):
        yield from _sequence_problems(value, origin or hint, args, path)
        return
    if origin is dict or hint is dict:
        if not isinstance(value, dict):
            yield path, f"expected a mapping, got {value!r}"
            return
        value_hint = args[1] if len(args) == 2 else Any
        for key, item in value.items():
            yield from _problems(item, value_hint, f"{path}.{key}")
        return
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        if not isinstance(value, hint):
            yield path, "must be one of " + ", ".join(m.name for m in hint)
        return
    # callables, classes and other annotations: nothing to check beyond NaN


def _first_relevant(found: list[list[tuple[str, str]]], value: Any, path: str,
                    hint: Any) -> Iterator[tuple[str, str]]:
    """For a value no member of a union accepts: the problem of the member of the
    value's own kind (``-1`` for ``int | None``: "must be >= 0"), else a type message."""
    for problems in found:
        if problems and not problems[0][1].startswith("expected"):
            yield problems[0]
            return
    yield path, f"expected {type_name(hint)}, got {value!r}"


def rules_of(hint: Any) -> list[str]:
    """What ``hint``'s constraints ask for, in words (``["> 0", "finite"]``); those of a
    union's members and of list items too."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is Annotated:
        return [*rules_of(args[0]), *(describe(c) for c in _constraints(tuple(args[1:])))]
    if origin in (typing.Union, types.UnionType, list, tuple):
        found = []
        for arg in args:
            found += [rule for rule in rules_of(arg) if rule not in found]
        return [f"items {rule}" if origin in (list, tuple) else rule for rule in found]
    return []


def type_name(hint: Any) -> str:
    """A readable name for a type hint: ``float``, ``int | None``, ``one of 'a', 'b'``."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin is Annotated:
        return type_name(args[0])
    if origin is typing.Literal:
        return "one of " + ", ".join(repr(a) for a in args)
    if origin in (typing.Union, types.UnionType):
        return " | ".join(type_name(a) for a in args)
    if hint is type(None):
        return "None"
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return "one of " + ", ".join(m.name for m in hint)
    if origin in (tuple, list):
        inner = ", ".join("..." if a is Ellipsis else type_name(a) for a in args)
        return f"{origin.__name__}[{inner}]"
    return getattr(hint, "__name__", str(hint))


def _sequence_problems(value: Any, container: type, args: tuple[Any, ...], path: str
                       ) -> Iterator[tuple[str, str]]:
    if not isinstance(value, (list, tuple)):
        yield path, f"expected a {container.__name__}, got {value!r}"
        return
    if container is tuple and args and not (len(args) == 2 and args[1] is Ellipsis):
        if len(value) != len(args):
            yield path, f"expected {len(args)} items, got {len(value)}"
            return
        hints = list(args)
    else:
        hints = [args[0] if args else Any] * len(value)
    for index, (item, item_hint) in enumerate(zip(value, hints, strict=True)):
        yield from _problems(item, item_hint, f"{path}[{index}]")


@functools.cache
def field_hints(cls: type) -> dict[str, Any]:
    """The field annotations of dataclass ``cls`` with their constraints (``Annotated``
    kept). An annotation that cannot be resolved (a name imported only for type
    checking) is left out, and only that one: the other fields are still checked."""
    try:
        return typing.get_type_hints(cls, include_extras=True)
    except Exception:  # resolve one annotation at a time
        pass
    hints: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        namespace = vars(sys.modules.get(klass.__module__, typing))
        for name, annotation in vars(klass).get("__annotations__", {}).items():
            try:
                hints[name] = (eval(annotation, dict(namespace), dict(vars(klass)))  # noqa: S307
                               if isinstance(annotation, str) else annotation)
            except Exception:  # unresolvable: this field is checked at run time only
                hints.pop(name, None)
    return hints


def _dataclass_problems(config: Any, path: str) -> Iterator[tuple[str, str]]:
    hints = field_hints(type(config))
    for f in dataclasses.fields(config):
        if f.name.startswith("_"):
            continue
        yield from _problems(getattr(config, f.name), hints.get(f.name, Any),
                             f"{path}.{f.name}")


def config_problems(config: Any, root: str) -> list[tuple[str, str]]:
    """Every ``(dotted path, what is wrong)`` in ``config`` (a dataclass tree)."""
    return list(_problems(config, Any, root))


def check_config(config: Any, root: str, origin: str = "",
                 labels: dict[str, str] | None = None) -> None:
    """Raise :class:`ConfigValueError` for the first bad value in ``config``.

    ``root`` is its dotted name (``env``, ``agent``); ``origin`` says where the values
    came from (``"the saved params of <run>"``) and ``labels`` maps dotted paths to the
    CLI flag that set them (``{"env.num_envs": "--num-envs"}``), for the message.
    """
    problems = config_problems(config, root)
    if not problems:
        return
    path, what = problems[0]
    value = _value_at(config, path)
    where = (labels or {}).get(path)
    subject = f"{where} {value!r}" if where else f"{path} = {value!r}"
    if origin and not where:
        subject += f" (from {origin})"
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    raise ConfigValueError(f"bad value {subject}: {what}{more}")


def _value_at(config: Any, path: str) -> Any:
    node = config
    for part in path.split(".")[1:]:
        name, *indices = part.replace("]", "").split("[")
        node = node[name] if isinstance(node, dict) else getattr(node, name)
        for index in indices:
            node = node[int(index)]
    return node
