"""The agent config, its rsl_rl dict, validation and the plugin (no training here)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from genelab.errors import GenelabError
from genelab.rl import select_backend
from genelab_backend_rslrl.backend import RslRlBackend
from genelab_backend_rslrl.config import RslRlOnPolicyRunnerCfg
from genelab_backend_rslrl.presets import cartpole_ppo, pendulum_ppo, reach_ppo


def test_dict_matches_rsl_rl_schema() -> None:
    cfg = RslRlOnPolicyRunnerCfg(steps_per_iteration=12, save_interval=7)
    cfg.actor.hidden_dims = [16]
    cfg.actor.distribution_cfg.init_std = 0.3
    cfg.algorithm.gamma = 0.9
    data = cfg.to_rsl_rl_dict(["policy", "critic"])
    assert data["num_steps_per_env"] == 12
    assert data["save_interval"] == 7
    assert data["obs_groups"] == {"actor": ["policy"], "critic": ["critic"]}
    assert data["actor"]["class_name"] == "MLPModel"
    assert data["actor"]["hidden_dims"] == [16]
    assert data["actor"]["distribution_cfg"] == {
        "class_name": "GaussianDistribution", "init_std": 0.3, "std_type": "scalar",
        "learn_std": True}
    assert "distribution_cfg" not in data["critic"]
    assert data["algorithm"]["class_name"] == "PPO"
    assert data["algorithm"]["gamma"] == 0.9
    data["actor"]["hidden_dims"].append(99)  # a copy: the runner mutates its dict
    assert cfg.actor.hidden_dims == [16]


def test_critic_falls_back_to_actor_groups_without_critic_group() -> None:
    cfg = RslRlOnPolicyRunnerCfg()
    assert cfg.to_rsl_rl_dict(["policy"])["obs_groups"] == {
        "actor": ["policy"], "critic": ["policy"]}


def test_unknown_group_is_a_clear_error() -> None:
    cfg = RslRlOnPolicyRunnerCfg(obs_groups={"actor": ["proprio"], "critic": ["critic"]})
    with pytest.raises(GenelabError, match="obs_groups.actor uses observation group.*proprio"
                                           ".*only has policy"):
        cfg.to_rsl_rl_dict(["policy"])


def test_presets_are_runner_cfgs_with_small_nets() -> None:
    for factory in (cartpole_ppo, pendulum_ppo, reach_ppo):
        cfg = factory()
        assert type(cfg) is RslRlOnPolicyRunnerCfg
        assert max(cfg.actor.hidden_dims) <= 64
        assert cfg.experiment_name != "default"


def test_entry_point_registers_backend_for_config_subclasses() -> None:
    class MyCfg(RslRlOnPolicyRunnerCfg):
        pass

    info = select_backend(MyCfg())
    assert isinstance(info.backend, RslRlBackend)
    assert info.distribution == "genelab-backend-rslrl"
    assert info.backend.name == "rsl_rl" and info.backend.algorithms == ("PPO",)


def test_plugin_presets_and_config_import_neither_torch_nor_rsl_rl() -> None:
    code = (
        "import sys, genelab_backend_rslrl.plugin as p, genelab_backend_rslrl.presets as s;"
        "p.genelab_backends(); s.cartpole_ppo().to_rsl_rl_dict(['policy']);"
        "print(sorted(m for m in ('torch', 'rsl_rl', 'tensordict') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"
