"""The agent config, overrides, validation, the plugin and the CLI (no learning here)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from genelab.constraints import ConfigValueError, check_config
from genelab.envs import ManagerBasedRlEnv
from genelab.errors import GenelabError
from genelab.overrides import Override, OverrideError, apply_overrides
from genelab.registry import TASKS
from genelab.rl import select_backend
from genelab_backend_skrl.agents import skrl_agent_cfg
from genelab_backend_skrl.backend import SkrlBackend
from genelab_backend_skrl.config import SkrlAgentCfg
from genelab_backend_skrl.wrapper import GenelabSkrlWrapper

PRESETS = {"GeneLab-Cartpole-v0": {"skrl_ppo": "PPO", "skrl_a2c": "A2C"},
           "GeneLab-Pendulum-v0": {"skrl_sac": "SAC", "skrl_td3": "TD3", "skrl_ddpg": "DDPG"}}


def test_task_presets_select_the_skrl_backend_with_small_nets() -> None:
    for task_id, presets in PRESETS.items():
        for preset, algorithm in presets.items():
            cfg = TASKS.get(task_id).agent_cfg(preset)
            assert type(cfg) is SkrlAgentCfg and cfg.algorithm == algorithm
            assert max(cfg.models.policy.hidden_dims + cfg.models.critic.hidden_dims) <= 64
            assert select_backend(cfg).backend.name == "skrl"
    assert TASKS.get("GeneLab-Pendulum-v0").agent_cfg().algorithm == "SAC"  # the default


def test_dotted_overrides_reach_typed_fields() -> None:
    cfg = SkrlAgentCfg()
    apply_overrides({"agent": cfg}, [
        Override("agent.algorithm", "TD3"),
        Override("agent.td3.policy_delay", "3"),
        Override("agent.models.policy.hidden_dims", "[32,16]"),
        Override("agent.models.critic.activation", "relu"),
        Override("agent.memory.memory_size", "500"),
        Override("agent.sac.target_entropy", "-2.5"),
    ])
    assert cfg.algorithm == "TD3" and cfg.hyperparameters is cfg.td3
    assert cfg.td3.policy_delay == 3 and cfg.models.policy.hidden_dims == [32, 16]
    assert cfg.models.critic.activation == "relu" and cfg.memory_size == 500
    assert cfg.sac.target_entropy == -2.5
    for bad in (Override("agent.algorithm", "TRPO"), Override("agent.td3.policy_dela", "2")):
        with pytest.raises(OverrideError):
            apply_overrides({"agent": cfg}, [bad])


def test_memory_defaults_to_one_rollout_or_a_replay_buffer() -> None:
    cfg = SkrlAgentCfg(steps_per_iteration=12)
    assert cfg.memory_size == 12
    cfg.algorithm = "SAC"
    assert cfg.memory_size == 10_000


@pytest.mark.parametrize("algorithm", ["PPO", "A2C", "SAC", "TD3", "DDPG"])
def test_skrl_config_carries_the_typed_fields(short_env, algorithm) -> None:
    cfg = SkrlAgentCfg(algorithm=algorithm, steps_per_iteration=7)
    cfg.hyperparameters.discount_factor = 0.9
    env = ManagerBasedRlEnv(short_env(num_envs=2), device="cpu")
    try:
        skrl_cfg = skrl_agent_cfg(cfg, GenelabSkrlWrapper(env), env.device)
    finally:
        env.close()
    assert skrl_cfg.discount_factor == 0.9
    # skrl opens no writer and saves nothing itself (the run's writer is handed to it)
    assert skrl_cfg.experiment.write_interval == 0 and skrl_cfg.experiment.checkpoint_interval == 0
    if cfg.on_policy:
        assert skrl_cfg.rollouts == 7 and skrl_cfg.time_limit_bootstrap
    else:
        assert skrl_cfg.random_timesteps == 0  # skrl 2.1.1 repeats one "random" action
    if algorithm == "SAC":
        assert len(skrl_cfg.learning_rate) == 3


def _validate(cfg: SkrlAgentCfg, short_env, num_envs: int = 4) -> None:
    env = ManagerBasedRlEnv(short_env(num_envs=num_envs), device="cpu")
    try:
        SkrlBackend().validate(cfg, env)
    finally:
        env.close()


def test_validate_rejects_memory_other_than_one_rollout(short_env) -> None:
    cfg = SkrlAgentCfg(algorithm="A2C", steps_per_iteration=16)
    cfg.memory.memory_size = 32
    with pytest.raises(GenelabError, match=r"memory_size must equal agent.steps_per_iteration "
                                           r"\(16\), got 32"):
        _validate(cfg, short_env)


def test_validate_rejects_unequal_mini_batches(short_env) -> None:
    cfg = SkrlAgentCfg(algorithm="PPO", steps_per_iteration=5)
    cfg.ppo.mini_batches = 3
    with pytest.raises(GenelabError, match="4 envs x 5 steps = 20 samples cannot be split into "
                                           "3 equal mini-batches"):
        _validate(cfg, short_env)


def test_validate_rejects_batches_larger_than_the_data(short_env) -> None:
    cfg = SkrlAgentCfg(algorithm="SAC")
    cfg.memory.memory_size = 10
    with pytest.raises(GenelabError, match="batch_size .256. must be between 1 and the replay "
                                           "capacity of 40"):
        _validate(cfg, short_env)


@pytest.mark.parametrize(("path", "value", "message"), [
    ("ddpg.gradient_steps", 0, "must be >= 1"),
    ("ppo.discount_factor", 2.0, "must be <= 1"),
    ("memory.memory_size", 0, "must be >= 1"),
    ("models.policy.hidden_dims", [], "must have at least 1 item(s)"),
    ("models.critic.activation", "swish", "must be one of 'elu', 'relu', 'tanh', "
                                          "'leaky_relu', 'gelu', 'silu'"),
    ("sac.actor_learning_rate", float("inf"), "must be finite"),
])
def test_field_constraints_name_the_value_and_the_rule(path, value, message) -> None:
    cfg = SkrlAgentCfg()
    check_config(cfg, "agent")
    *groups, field = path.split(".")
    node = cfg
    for group in groups:
        node = getattr(node, group)
    setattr(node, field, value)
    with pytest.raises(ConfigValueError) as error:
        check_config(cfg, "agent")
    assert str(error.value) == f"bad value agent.{path} = {value!r}: {message}"


def test_entry_point_registers_backend_for_config_subclasses() -> None:
    class MyCfg(SkrlAgentCfg):
        pass

    info = select_backend(MyCfg())
    assert isinstance(info.backend, SkrlBackend)
    assert info.distribution == "genelab-backend-skrl"
    assert info.backend.algorithms == ("PPO", "A2C", "SAC", "TD3", "DDPG")


def test_plugin_presets_and_config_import_neither_torch_nor_skrl() -> None:
    code = (
        "import sys, genelab_backend_skrl.plugin as p, genelab_backend_skrl.presets as s;"
        "p.genelab_backends(); [f() for f in (s.cartpole_ppo, s.cartpole_a2c, s.pendulum_sac,"
        " s.pendulum_td3, s.pendulum_ddpg)];"
        "print(sorted(m for m in ('torch', 'skrl') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


def test_cli_lists_the_backend_and_trains_sac(tmp_path) -> None:
    env = {**os.environ, "COLUMNS": "200"}
    listed = subprocess.run([sys.executable, "-m", "genelab", "list", "backends"],
                            capture_output=True, text=True, env=env, check=True)
    line = next(row for row in listed.stdout.splitlines() if row.startswith("skrl "))
    assert "PPO, A2C, SAC, TD3, DDPG" in line
    run = subprocess.run(
        [sys.executable, "-m", "genelab", "train", "GeneLab-Pendulum-v0", "--preset", "skrl_sac",
         "--max-iterations", "2", "--num-envs", "4", "--log-dir", str(tmp_path)],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert run.returncode == 0, run.stderr
    found = sorted((tmp_path / "skrl" / "pendulum_sac").glob("*/checkpoints/agent_*.pt"))
    assert [p.name for p in found] == ["agent_20.pt", "agent_40.pt"]
    assert "[skrl:" not in run.stdout + run.stderr  # skrl's own logging is silenced
