"""The agent config, overrides, validation, the model builder, the plugin and the CLI."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import torch
from genelab.constraints import ConfigValueError, check_config
from genelab.envs import ManagerBasedRlEnv
from genelab.errors import GenelabError
from genelab.overrides import Override, OverrideError, apply_overrides
from genelab.registry import TASKS
from genelab.rl import select_backend
from genelab.rl.dispatch import train_task
from genelab_backend_sb3.backend import Sb3Backend
from genelab_backend_sb3.config import Sb3AgentCfg
from genelab_backend_sb3.models import build_model
from genelab_backend_sb3.vec_env import GenelabSb3VecEnv
from stable_baselines3 import HerReplayBuffer
from stable_baselines3.common.noise import VectorizedActionNoise

PRESETS = {"GeneLab-Cartpole-v0": {"sb3_ppo": "PPO", "sb3_a2c": "A2C"},
           "GeneLab-Pendulum-v0": {"sb3_sac": "SAC", "sb3_td3": "TD3", "sb3_ddpg": "DDPG"},
           "GeneLab-Reach-v0": {"sb3_sac_her": "SAC"}}


def test_task_presets_select_the_sb3_backend_with_small_nets() -> None:
    for task_id, presets in PRESETS.items():
        for preset, algorithm in presets.items():
            task = TASKS.get(task_id)
            cfg = task.agent_cfg(preset)
            assert type(cfg) is Sb3AgentCfg and cfg.algorithm == algorithm
            assert max(cfg.policy.net_arch) <= 64
            assert cfg.her.enabled == (task_id == "GeneLab-Reach-v0")
            assert select_backend(cfg).backend.name == "sb3"
            env = ManagerBasedRlEnv(task.env, device="cpu")
            try:
                Sb3Backend().validate(cfg, env)  # every preset fits its task's env
            finally:
                env.close()
    assert TASKS.get("GeneLab-Reach-v0").agent_cfg().her.enabled  # Reach's default agent


def test_dotted_overrides_reach_typed_fields() -> None:
    cfg = Sb3AgentCfg()
    apply_overrides({"agent": cfg}, [
        Override("agent.algorithm", "TD3"),
        Override("agent.td3.policy_delay", "3"),
        Override("agent.policy.net_arch", "[32,16]"),
        Override("agent.policy.activation", "elu"),
        Override("agent.sac.ent_coef", "auto_0.1"),
        Override("agent.ddpg.gradient_steps", "-1"),
        Override("agent.her.enabled", "true"),
    ])
    assert cfg.algorithm == "TD3" and cfg.hyperparameters is cfg.td3
    assert cfg.td3.policy_delay == 3 and cfg.policy.net_arch == [32, 16]
    assert cfg.policy.activation == "elu" and cfg.sac.ent_coef == "auto_0.1"
    assert cfg.ddpg.gradient_steps == -1 and cfg.her.enabled
    apply_overrides({"agent": cfg}, [Override("agent.sac.ent_coef", "0.05")])
    assert cfg.sac.ent_coef == 0.05
    for bad in (Override("agent.algorithm", "TRPO"), Override("agent.td3.policy_dela", "2"),
                Override("agent.her.goal_selection_strategy", "random")):
        with pytest.raises(OverrideError):
            apply_overrides({"agent": cfg}, [bad])


@pytest.fixture
def env_of(short_env):
    built = []

    def _env(task_id: str = "GeneLab-Cartpole-v0", num_envs: int = 4) -> ManagerBasedRlEnv:
        built.append(ManagerBasedRlEnv(short_env(task_id, num_envs=num_envs, horizon=None),
                                       device="cpu"))
        return built[-1]

    yield _env
    for env in built:
        env.close()


@pytest.mark.parametrize("algorithm", ["PPO", "A2C", "SAC", "TD3", "DDPG"])
def test_model_carries_the_typed_fields(env_of, algorithm) -> None:
    cfg = Sb3AgentCfg(algorithm=algorithm, steps_per_iteration=6)
    cfg.hyperparameters.gamma = 0.9
    cfg.policy.net_arch, cfg.policy.activation = [16, 8], "elu"
    if algorithm == "PPO":
        cfg.ppo.batch_size = 12
    model = build_model(cfg, GenelabSb3VecEnv(env_of()), "cpu")
    assert model.gamma == 0.9 and model.device == torch.device("cpu")
    layers = [m for m in model.policy.modules() if isinstance(m, torch.nn.Linear)]
    assert [layer.out_features for layer in layers[:2]] == [16, 8]
    assert any(isinstance(m, torch.nn.ELU) for m in model.policy.modules())
    if cfg.on_policy:
        assert model.n_steps == 6
    else:  # one collection of steps_per_iteration, then by default one update per step
        assert (model.train_freq.frequency, model.train_freq.unit.value) == (6, "step")
        assert model.gradient_steps == 6
    if algorithm in ("TD3", "DDPG"):  # independent exploration noise per env
        assert isinstance(model.action_noise, VectorizedActionNoise)
        assert model.action_noise.n_envs == 4


def test_her_model_uses_the_goal_dict_and_her_buffer(env_of) -> None:
    cfg = TASKS.get("GeneLab-Reach-v0").agent_cfg()
    model = build_model(cfg, GenelabSb3VecEnv(env_of("GeneLab-Reach-v0")), "cpu")
    assert isinstance(model.replay_buffer, HerReplayBuffer)
    assert model.replay_buffer.n_sampled_goal == 4
    assert type(model.policy).__name__ == "MultiInputPolicy"


def _validate(cfg: Sb3AgentCfg, env: ManagerBasedRlEnv) -> None:
    Sb3Backend().validate(cfg, env)


@pytest.mark.parametrize(("change", "message"), [
    ({"batch_size": 64}, r"batch_size \(64\) must be at least 2 and divide a rollout of "
                         r"4 envs x 5 steps = 20 samples"),
    ({"batch_size": 6}, r"batch_size \(6\) .* 20 samples"),
    ({"batch_size": 1}, r"batch_size \(1\) must be at least 2"),
])
def test_validate_rejects_ppo_batches_that_do_not_fit_the_rollout(env_of, change, message
                                                                  ) -> None:
    cfg = Sb3AgentCfg(algorithm="PPO", steps_per_iteration=5)
    for key, value in change.items():
        setattr(cfg.ppo, key, value)
    with pytest.raises(GenelabError, match=message):
        _validate(cfg, env_of())


def test_validate_rejects_replay_sizes(env_of) -> None:
    cfg = Sb3AgentCfg(algorithm="SAC")
    cfg.sac.buffer_size = 42
    with pytest.raises(GenelabError, match=r"batch_size \(256\) must be between 1 and the "
                                           r"replay capacity of 40 transitions"):
        _validate(cfg, env_of())
    cfg.sac.buffer_size = 3
    with pytest.raises(GenelabError, match=r"buffer_size \(3\) must hold at least one step"):
        _validate(cfg, env_of())


@pytest.mark.parametrize(("group", "field", "value", "message"), [
    ("ppo", "n_epochs", 0, "must be >= 1"),
    ("sac", "ent_coef", "automatic", "must be 'auto' or 'auto_<positive number>'"),
    ("sac", "ent_coef", "auto_-1", "must be 'auto' or 'auto_<positive number>'"),
    ("sac", "ent_coef", -0.5, "must be >= 0"),
    ("sac", "target_entropy", "high", "must be one of 'auto'"),
    ("ddpg", "gradient_steps", 0, "must be -1 (one per transition) or at least 1"),
    ("td3", "tau", 1.5, "must be <= 1"),
    ("her", "n_sampled_goal", 0, "must be >= 1"),
])
def test_field_constraints_name_the_value_and_the_rule(group, field, value, message) -> None:
    cfg = Sb3AgentCfg(algorithm="SAC")
    check_config(cfg, "agent")
    setattr(getattr(cfg, group), field, value)
    with pytest.raises(ConfigValueError) as error:
        check_config(cfg, "agent")
    assert str(error.value) == f"bad value agent.{group}.{field} = {value!r}: {message}"


def test_validate_rejects_her_where_it_cannot_work(env_of) -> None:
    cfg = Sb3AgentCfg(algorithm="PPO")
    cfg.her.enabled = True
    with pytest.raises(GenelabError, match="HER replays transitions, so it needs an off-policy "
                                           "algorithm .SAC, TD3 or DDPG., not PPO"):
        _validate(cfg, env_of("GeneLab-Reach-v0", num_envs=16))
    cfg = TASKS.get("GeneLab-Reach-v0").agent_cfg()
    with pytest.raises(GenelabError, match="HER needs a goal task"):
        _validate(cfg, env_of("GeneLab-Pendulum-v0", num_envs=16))
    reach = env_of("GeneLab-Reach-v0", num_envs=32)  # twice the preset's envs
    with pytest.raises(GenelabError, match=r"agent.sac.learning_starts must cover one episode "
                                           r"of every env: >= 1600 \(50 steps x 32 envs\)"):
        _validate(cfg, reach)
    cfg.sac.learning_starts = 1600
    cfg.sac.buffer_size = 1000
    with pytest.raises(GenelabError, match=r"agent.sac.buffer_size >= 1600"):
        _validate(cfg, reach)


def test_distributed_training_is_refused_before_anything_is_built(monkeypatch, tmp_path
                                                                   ) -> None:
    monkeypatch.setenv("WORLD_SIZE", "2")  # what torchrun sets for each rank
    with pytest.raises(GenelabError, match="the sb3 backend trains in one process .* not 2; "
                                           "drop --gpus"):
        train_task("GeneLab-Reach-v0", log_root=tmp_path)
    assert not any(tmp_path.iterdir())


def test_entry_point_registers_backend_for_config_subclasses() -> None:
    class MyCfg(Sb3AgentCfg):
        pass

    info = select_backend(MyCfg())
    assert isinstance(info.backend, Sb3Backend)
    assert info.distribution == "genelab-backend-sb3"
    assert info.backend.algorithms == ("PPO", "A2C", "SAC", "TD3", "DDPG")


def test_plugin_presets_and_config_import_neither_torch_nor_sb3() -> None:
    code = (
        "import sys, genelab_backend_sb3.plugin as p, genelab_backend_sb3.presets as s;"
        "p.genelab_backends(); [f() for f in (s.cartpole_ppo, s.cartpole_a2c, s.pendulum_sac,"
        " s.pendulum_td3, s.pendulum_ddpg, s.reach_sac_her)];"
        "print(sorted(m for m in ('torch', 'stable_baselines3') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


def test_cli_trains_reach_with_her_by_default_and_evaluates_success(tmp_path) -> None:
    env = {**os.environ, "COLUMNS": "200"}
    listed = subprocess.run([sys.executable, "-m", "genelab", "list", "backends"],
                            capture_output=True, text=True, env=env, check=True)
    line = next(row for row in listed.stdout.splitlines() if row.startswith("sb3 "))
    assert "PPO, A2C, SAC, TD3, DDPG" in line
    genelab = [sys.executable, "-m", "genelab"]
    run = subprocess.run(
        [*genelab, "train", "GeneLab-Reach-v0", "--max-iterations", "6", "--log-dir",
         str(tmp_path)], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert run.returncode == 0, run.stderr
    found = sorted((tmp_path / "sb3" / "reach_sac_her").glob("*/checkpoints/*"))
    assert [p.name for p in found] == ["model_160.zip", "model_960.zip",
                                       "replay_buffer_960.pt"]
    evaluated = subprocess.run(
        [*genelab, "eval", "GeneLab-Reach-v0", "--agent", "trained", "--log-dir",
         str(tmp_path)], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert evaluated.returncode == 0, evaluated.stderr
    assert "success_rate" in evaluated.stdout
