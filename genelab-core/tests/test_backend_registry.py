"""select_backend: typed, MRO-aware, conflicts reported and skipped, misses say what to install."""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from genelab import hookimpl
from genelab.rl import Backend, BackendConfig, BackendSelectionError, select_backend


@dataclass
class AlphaCfg(BackendConfig):
    """Agent config of the fake alpha backend."""

    learning_rate: float = 1e-3


class AlphaBackend(Backend):
    """A backend claiming AlphaCfg."""

    name = "alpha"
    config_type = AlphaCfg
    algorithms = ("PPO",)

    def train(self, ctx):
        raise AssertionError("not trained in these tests")

    def inference_policy(self, ctx):
        raise AssertionError("not played in these tests")


class OtherAlphaBackend(AlphaBackend):
    """A second backend claiming the same config type."""

    name = "alpha2"


def plugin(*backends):
    return SimpleNamespace(genelab_backends=hookimpl(lambda: list(backends)))


def test_exact_type_resolves(register_plugin):
    register_plugin(plugin(AlphaBackend()), name="fake-alpha")
    assert select_backend(AlphaCfg()).backend.name == "alpha"


def test_subclass_of_registered_config_resolves(register_plugin):
    @dataclass
    class MyAlphaCfg(AlphaCfg):
        extra: int = 3

    register_plugin(plugin(AlphaBackend()), name="fake-alpha")
    info = select_backend(MyAlphaCfg())
    assert info.backend.name == "alpha"
    assert info.distribution == "fake-alpha"


def test_a_second_claim_of_one_config_type_is_reported_and_skipped(register_plugin):
    from genelab.plugins import get_host

    register_plugin(plugin(AlphaBackend()), name="fake-alpha")
    register_plugin(plugin(OtherAlphaBackend()), name="fake-alpha2")
    assert select_backend(AlphaCfg()).distribution == "fake-alpha"
    [failure] = [f for f in get_host().failures if f.distribution == "fake-alpha2"]
    assert "claims" in failure.reason and "fake-alpha (alpha) trains already" in failure.reason


def test_no_backend_names_what_to_install(register_plugin):
    register_plugin(plugin(AlphaBackend()), name="fake-alpha")

    @dataclass
    class OrphanCfg(BackendConfig):
        pass

    OrphanCfg.__module__ = "genelab_backend_orphan.config"
    with pytest.raises(BackendSelectionError) as error:
        select_backend(OrphanCfg())
    message = str(error.value)
    assert "pip install genelab-backend-orphan" in message
    assert "AlphaCfg" in message  # lists what is installed
