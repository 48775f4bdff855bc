"""Configs survive the trip to params/*.json and back onto a typed template."""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass, field

import pytest
from genelab.serialization import (
    ParamsError,
    copy_paths,
    differences,
    flatten,
    restore,
    to_jsonable,
)


class Activation(enum.Enum):
    ELU = "elu"
    TANH = "tanh"


@dataclass
class Dist:
    std: float = 1.0


@dataclass
class BetaDist(Dist):
    bounds: tuple[float, float] = (-1.0, 1.0)


@dataclass
class Agent:
    hidden: list[int] = field(default_factory=lambda: [64, 64])
    shape: tuple[int, int] = (1, 2)
    activation: Activation = Activation.ELU
    dist: Dist = field(default_factory=Dist)
    groups: dict[str, list[str]] = field(default_factory=lambda: {"actor": ["policy"]})
    hook: object = len


def test_round_trip_restores_types_subclasses_and_values():
    trained = Agent(hidden=[8], shape=(3, 4), activation=Activation.TANH,
                    dist=BetaDist(std=0.5, bounds=(0.0, 2.0)), groups={"actor": ["a", "b"]})
    data = json.loads(json.dumps(to_jsonable(trained)))
    restored = restore(data, Agent())
    assert restored == trained
    assert isinstance(restored.dist, BetaDist) and restored.shape == (3, 4)
    assert restored.hook is len


def test_types_that_are_not_loaded_subclasses_are_refused():
    data = to_jsonable(Agent())
    data["dist"]["__type__"] = "os.system"
    with pytest.raises(ParamsError, match=r"config.dist: type 'os.system' is not a Dist"):
        restore(data, Agent())


@pytest.mark.parametrize(("field", "value", "expected"), [
    ("hidden", "wide", "expected a list"), ("activation", "RELU", "expected one of ELU, TANH"),
    ("dist", 3, "expected a Dist section"),
])
def test_values_of_the_wrong_kind_name_the_path(field, value, expected):
    data = {**to_jsonable(Agent()), field: value}
    with pytest.raises(ParamsError, match=rf"agent.json.{field}: {expected}"):
        restore(data, Agent(), "agent.json")


def test_flatten_differences_and_copy_paths():
    saved, now = Agent(), Agent(shape=(5, 6), groups={"actor": ["policy"], "critic": ["x"]})
    changes = differences(flatten(saved, "agent"), flatten(now, "agent"))
    assert changes == [("agent.shape", [1, 2], [5, 6]), ("agent.groups.critic", None, ["x"])]
    target = Agent()
    copy_paths(now, target, ["agent.shape", "agent.groups.actor", "agent.missing.path"])
    assert target.shape == (5, 6) and target.groups == {"actor": ["policy"]}
