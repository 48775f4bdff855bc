"""Constraints declared on config fields, checked on whole configs and on overrides."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, Literal

import pytest
from genelab.constraints import (
    Bounds,
    ConfigValueError,
    Fraction,
    LayerSizes,
    PositiveFloat,
    Seed,
    check_config,
    config_problems,
)
from genelab.overrides import Override, OverrideError, apply_overrides
from genelab.registry import TASKS

if TYPE_CHECKING:
    from genelab.sim.dynamics import DynamicsModel


@dataclass
class InnerCfg:
    rate: PositiveFloat = 1.0
    layers: LayerSizes = field(default_factory=lambda: [8])


@dataclass
class OuterCfg:
    gamma: Fraction = 0.9
    seed: Seed | None = None
    clip: Bounds = (-1.0, 1.0)
    mode: Literal["a", "b"] = "a"
    inner: InnerCfg = field(default_factory=InnerCfg)
    extras: dict[str, float] = field(default_factory=dict)


@pytest.mark.parametrize(("change", "problem"), [
    ({"gamma": 1.5}, ("cfg.gamma", "must be <= 1")),
    ({"gamma": float("nan")}, ("cfg.gamma", "must not be NaN")),
    ({"gamma": "0.5"}, ("cfg.gamma", "expected a number, got '0.5'")),
    ({"seed": -1}, ("cfg.seed", "must be >= 0")),
    ({"seed": 2**64}, ("cfg.seed", "must be < 9223372036854775808")),
    ({"seed": 1.5}, ("cfg.seed", "expected int | None, got 1.5")),
    ({"clip": (1.0, -1.0)}, ("cfg.clip", "must be a (low, high) pair with low < high")),
    ({"clip": (0.0, float("inf"))}, ("cfg.clip[1]", "must be finite")),
    ({"clip": (0.0,)}, ("cfg.clip", "expected 2 items, got 1")),
    ({"mode": "c"}, ("cfg.mode", "must be one of 'a', 'b'")),
    ({"inner": InnerCfg(rate=0.0)}, ("cfg.inner.rate", "must be > 0")),
    ({"inner": InnerCfg(layers=[])}, ("cfg.inner.layers", "must have at least 1 item(s)")),
    ({"inner": InnerCfg(layers=[4, 0])}, ("cfg.inner.layers[1]", "must be >= 1")),
    ({"extras": {"x": float("nan")}}, ("cfg.extras.x", "must not be NaN")),
])
def test_each_broken_rule_is_found_with_its_path(change, problem) -> None:
    assert config_problems(OuterCfg(), "cfg") == []
    assert config_problems(OuterCfg(**change), "cfg") == [problem]


def test_the_error_names_the_flag_or_the_origin_and_counts_the_rest() -> None:
    bad = OuterCfg(gamma=2.0, seed=-3)
    with pytest.raises(ConfigValueError) as error:
        check_config(bad, "cfg", origin="preset x")
    assert str(error.value) == ("bad value cfg.gamma = 2.0 (from preset x): must be <= 1 "
                                "(and 1 more)")
    with pytest.raises(ConfigValueError) as error:
        check_config(OuterCfg(seed=-3), "cfg", labels={"cfg.seed": "--seed"})
    assert str(error.value) == "bad value --seed -3: must be >= 0"


def test_overrides_check_the_coerced_value_against_the_field() -> None:
    env_cfg = TASKS.get("GeneLab-Cartpole-v0").env
    with pytest.raises(OverrideError, match=r"bad value '0' for --env\.decimation: must be >= 1"):
        apply_overrides({"env": env_cfg}, [Override("env.decimation", "0")])
    with pytest.raises(OverrideError, match=r"'1,-2' for --env\.actions\.force\.clip: must be"):
        apply_overrides({"env": env_cfg}, [Override("env.actions.force.clip", "1,-2")])
    apply_overrides({"env": env_cfg}, [Override("env.sim.render.width", "64")])
    assert env_cfg.sim.render.width == 64


def test_every_builtin_task_config_passes_its_own_constraints() -> None:
    for spec in TASKS.list():
        task = TASKS.get(spec.id)
        assert config_problems(task.env, "env") == [], spec.id
        for preset in [None, *task.presets]:
            agent = task.agent_cfg(preset)
            assert config_problems(agent, "agent") == [], (spec.id, preset)


def test_rules_are_described_in_words_for_genelab_info() -> None:
    from genelab.constraints import rules_of

    assert rules_of(PositiveFloat) == ["> 0", "finite"]
    assert rules_of(Seed | None) == [">= 0", "< 9223372036854775808"]
    assert rules_of(LayerSizes) == ["items >= 1", "at least 1 item(s)"]
    assert rules_of(int) == []



@dataclass
class ModelWithTypeCheckingOnlyClassVar:
    """A model config whose ClassVar names a class imported only for type checking."""

    class_type: ClassVar[type[DynamicsModel]]
    mass: PositiveFloat = 1.0


def test_a_type_checking_only_annotation_leaves_the_other_fields_checked():
    problems = config_problems(ModelWithTypeCheckingOnlyClassVar(mass=0.0), "m")
    assert problems == [("m.mass", "must be > 0")]
