"""Typed dotted overrides: parsing, coercion, and every error."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Literal

import pytest
from genelab.overrides import (
    OverrideError,
    apply_overrides,
    coerce,
    iter_overridable,
    parse_override_args,
)


class Mode(enum.Enum):
    FAST = "fast"
    SLOW = "slow"


@dataclass
class Sim:
    dt: float = 0.02
    substeps: int = 1
    gravity: tuple[float, float, float] = (0.0, 0.0, -9.81)


@dataclass
class Term:
    weight: float = 1.0


@dataclass
class EnvCfg:
    sim: Sim = field(default_factory=Sim)
    num_envs: int = 16
    render: bool = False
    name: str = "cartpole"
    limit: float | None = None
    layers: list[int] = field(default_factory=lambda: [64, 64])
    solver: Literal["euler", "rk4"] = "euler"
    mode: Mode = Mode.FAST
    rewards: dict[str, Term] = field(default_factory=lambda: {"alive": Term(1.0)})


def apply(*args: str) -> EnvCfg:
    cfg = EnvCfg()
    apply_overrides({"env": cfg}, parse_override_args(list(args), ("env", "agent")))
    return cfg


def test_space_and_equals_forms():
    cfg = apply("--env.sim.dt", "0.01", "--env.num_envs=8")
    assert cfg.sim.dt == 0.01 and isinstance(cfg.sim.dt, float)
    assert cfg.num_envs == 8 and isinstance(cfg.num_envs, int)


@pytest.mark.parametrize(
    ("arg", "attr", "expected"),
    [
        ("--env.render=true", "render", True),
        ("--env.render=0", "render", False),
        ("--env.name=pole", "name", "pole"),
        ("--env.limit=none", "limit", None),
        ("--env.limit=2.5", "limit", 2.5),
        ("--env.layers=32,16", "layers", [32, 16]),
        ("--env.layers=[8]", "layers", [8]),
        ("--env.solver=rk4", "solver", "rk4"),
        ("--env.mode=slow", "mode", Mode.SLOW),
    ],
)
def test_coercion_from_field_types(arg, attr, expected):
    assert getattr(apply(arg), attr) == expected


def test_tuple_and_dict_entries():
    cfg = apply("--env.sim.gravity=(0,0,-1)", "--env.rewards.alive.weight", "2")
    assert cfg.sim.gravity == (0.0, 0.0, -1.0)
    assert cfg.rewards["alive"].weight == 2.0


def test_unknown_key_suggests_closest():
    with pytest.raises(OverrideError, match=r"unknown override key '--env.sim.ddt'.*--env\.sim\.dt"):
        apply("--env.sim.ddt", "0.1")


def test_bad_value_names_key_and_type():
    with pytest.raises(OverrideError, match=r"bad value 'fast' for --env.sim.dt: expected float"):
        apply("--env.sim.dt", "fast")
    with pytest.raises(OverrideError, match=r"--env.solver: expected one of 'euler', 'rk4'"):
        apply("--env.solver=verlet")
    with pytest.raises(OverrideError, match=r"--env.sim.gravity: expected tuple"):
        apply("--env.sim.gravity=1,2")


def test_a_bad_override_changes_nothing():
    cfg = EnvCfg()
    overrides = parse_override_args(["--env.num_envs=4", "--env.sim.dt=x"], ("env",))
    with pytest.raises(OverrideError):
        apply_overrides({"env": cfg}, overrides)
    assert cfg.num_envs == 16


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["stray"], "unexpected argument 'stray'"),
        (["--env.num_envs"], "needs a value"),
        (["--robot.x=1"], "unknown override root '--robot'"),
        (["--env.sim=1"], "is a group of settings"),
    ],
)
def test_malformed_arguments(args, message):
    with pytest.raises(OverrideError, match=message):
        apply(*args)


def test_iter_overridable_lists_leaves_with_types():
    paths = {path: (hint, value) for path, hint, value in iter_overridable(EnvCfg(), "env")}
    assert paths["env.sim.dt"] == (float, 0.02)
    assert paths["env.rewards.alive.weight"] == (float, 1.0)
    assert "env.sim" not in paths


@pytest.mark.parametrize(("raw", "hint", "expected"), [
    ("[(1, 2), (3, 4)]", list[tuple[float, float]], [(1.0, 2.0), (3.0, 4.0)]),
    ("[[1, 2], [3]]", list[list[int]], [[1, 2], [3]]),
    ("[1, 2], [3]", list[list[int]], [[1, 2], [3]]),
    ('["a,b", "c"]', list[str], ["a,b", "c"]),
    ("['x', 'y']", list[str], ["x", "y"]),
    ("[]", list[int], []),
    ("", list[int], []),
])
def test_nested_and_quoted_sequence_items_split_only_at_top_level(raw, hint, expected):
    assert coerce(raw, hint, None, "x") == expected


@pytest.mark.parametrize("raw", ["[1, 2", "[1, 2]]", "['a, 2]", "[x]", "(1, 2"])
def test_unbalanced_sequences_are_one_clear_error(raw):
    with pytest.raises(OverrideError, match=r"bad value .* for --x: expected list\[int\]"):
        coerce(raw, list[int], None, "x")
