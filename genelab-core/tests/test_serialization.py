"""Configs survive the trip to params/*.json and back onto a typed template."""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass, field

from genelab.runs import saved_agent_cfg, write_json
from genelab.serialization import restore, to_jsonable


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


def test_saved_agent_cfg_reads_the_checkpoints_run(tmp_path):
    run = tmp_path / "run"
    write_json(run / "params" / "agent.json", to_jsonable(Agent(hidden=[16, 16])))
    (run / "model_3.pt").write_bytes(b"")
    assert saved_agent_cfg(run / "model_3.pt", Agent()).hidden == [16, 16]
    assert saved_agent_cfg(tmp_path / "elsewhere" / "model.pt", Agent()).hidden == [64, 64]
