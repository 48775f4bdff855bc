"""select_engine: the sim config's type picks the engine, like agent configs pick backends."""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from genelab import hookimpl
from genelab.errors import GenelabError
from genelab.sim import Engine, SimulationCfg, TorchSimulationCfg, select_engine
from genelab.sim.torch_engine import TorchSimulation


@dataclass
class FakeSimCfg(SimulationCfg):
    """Config of an engine that is registered but never built here."""


def plugin(*engines):
    return SimpleNamespace(genelab_engines=hookimpl(lambda: list(engines)))


def test_the_torch_engine_is_built_in_and_subclasses_resolve():
    @dataclass
    class MyTorchCfg(TorchSimulationCfg):
        pass

    from genelab.sim.models import CartPoleCfg

    cfg = MyTorchCfg(model=CartPoleCfg())
    info = select_engine(cfg)
    assert (info.engine.name, info.distribution) == ("torch", "genelab-core")
    assert type(info.engine.create(cfg, device="cpu")) is TorchSimulation
    with pytest.raises(GenelabError, match="env.sim.model is required"):
        info.engine.create(MyTorchCfg(), device="cpu")


def test_a_plugin_engine_resolves_by_config_type(register_plugin):
    register_plugin(plugin(Engine("fake", FakeSimCfg, "fake_module:FakeSim")), name="fake-sim")
    info = select_engine(FakeSimCfg())
    assert (info.engine.name, info.distribution) == ("fake", "fake-sim")


def test_conflicting_and_malformed_engines_are_reported_and_skipped(register_plugin):
    from genelab.plugins import get_host

    register_plugin(plugin(Engine("fake", FakeSimCfg, "fake_module:FakeSim")), name="fake-a")
    register_plugin(plugin(Engine("fake2", FakeSimCfg, "fake_module:FakeSim"),
                           Engine("torch", FakeSimCfg, "fake_module:FakeSim"),
                           Engine("bad name!", FakeSimCfg, "x:y"),
                           Engine("noref", FakeSimCfg, "no_colon")), name="fake-b")
    assert select_engine(FakeSimCfg()).distribution == "fake-a"
    reasons = [f.reason for f in get_host().failures if f.distribution == "fake-b"]
    assert any("fake-a (fake) simulates already" in r for r in reasons), reasons
    assert any("'torch' is taken by genelab-core" in r for r in reasons), reasons
    assert any("no usable name" in r for r in reasons), reasons
    assert any("'module:attr'" in r for r in reasons), reasons


def test_no_engine_names_what_to_install():
    @dataclass
    class OrphanCfg(SimulationCfg):
        pass

    OrphanCfg.__module__ = "genelab_sim_orphan.config"
    with pytest.raises(GenelabError) as error:
        select_engine(OrphanCfg())
    message = str(error.value)
    assert "pip install genelab-sim-orphan" in message and "torch (genelab-core)" in message


def test_engines_without_bodies_say_so_in_one_line():
    from genelab.envs import ManagerBasedRlEnv
    from genelab.registry import TASKS

    cfg = TASKS.get("GeneLab-Cartpole-v0").env
    cfg.num_envs = 2
    env = ManagerBasedRlEnv(cfg, device="cpu")
    try:
        with pytest.raises(GenelabError, match="torch engine has no bodies"):
            env.sim.body_pos_w  # noqa: B018
        with pytest.raises(GenelabError, match="no joint 'cart'.*it has: q0"):
            env.sim.joint_index("cart")
    finally:
        env.close()
