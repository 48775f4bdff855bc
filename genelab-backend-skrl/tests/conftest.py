"""Fixtures: real tasks, real envs and tiny trained runs of every algorithm.

Helpers are exposed as fixtures returning factories (tests run with importlib import
mode, so they cannot import this module).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from genelab.registry import TASKS
from genelab.rl import PlayContext, TrainContext
from genelab.rl.progress import TrainingProgress
from genelab.testing import play_context, short_env_cfg, train_backend
from genelab.testing import quiet_progress as make_quiet_progress
from genelab_backend_skrl.backend import SkrlBackend
from genelab_backend_skrl.config import SkrlAgentCfg

CARTPOLE = "GeneLab-Cartpole-v0"
PENDULUM = "GeneLab-Pendulum-v0"
ALGORITHMS = ("PPO", "A2C", "SAC", "TD3", "DDPG")
#: The built-in task and preset each algorithm is tuned for.
HOME = {"PPO": (CARTPOLE, "skrl_ppo"), "A2C": (CARTPOLE, "skrl_a2c"),
        "SAC": (PENDULUM, "skrl_sac"), "TD3": (PENDULUM, "skrl_td3"),
        "DDPG": (PENDULUM, "skrl_ddpg")}
TINY_ENVS = 8
TINY_STEPS = 8


def _tiny_agent(algorithm: str) -> SkrlAgentCfg:
    """The algorithm's preset shrunk to a run of about a second (3 iterations)."""
    task_id, preset = HOME[algorithm]
    cfg = TASKS.get(task_id).agent_cfg(preset)
    cfg.steps_per_iteration = TINY_STEPS
    cfg.max_iterations = 3
    cfg.models.policy.hidden_dims = [8, 8]
    cfg.models.critic.hidden_dims = [8, 8]
    cfg.observation_normalization = True
    hyper = cfg.hyperparameters
    if cfg.on_policy:
        hyper.mini_batches = 2
        if algorithm == "PPO":
            hyper.learning_epochs = 2
    else:
        cfg.memory.memory_size = 64
        hyper.batch_size = 16
        hyper.learning_starts = 2
        hyper.gradient_steps = 1
    return cfg


def _short_env(task_id: str = CARTPOLE, num_envs: int = TINY_ENVS, seed: int = 0,
               horizon: int | None = 10) -> Any:
    """This package's defaults for :func:`genelab.testing.short_env_cfg`."""
    return short_env_cfg(task_id, num_envs, seed, horizon)


def _run(agent_cfg: SkrlAgentCfg, run_dir: Path, env_cfg: Any = None, *,
         task_id: str | None = None, resume_from: Path | None = None,
         progress: TrainingProgress | None = None) -> TrainContext:
    task_id = task_id or HOME[agent_cfg.algorithm][0]
    env_cfg = env_cfg if env_cfg is not None else _short_env(task_id)
    return train_backend(SkrlBackend(), agent_cfg, env_cfg, run_dir, task_id=task_id,
                         resume_from=resume_from, progress=progress)


@dataclass
class TrainedRun:
    """A finished tiny run of one algorithm."""

    ctx: TrainContext
    agent_cfg: SkrlAgentCfg

    @property
    def run_dir(self) -> Path:
        return self.ctx.run_dir

    @property
    def last_checkpoint(self) -> Path:
        return self.run_dir / "checkpoints" / f"agent_{3 * TINY_STEPS}.pt"


@pytest.fixture
def tiny_agent() -> Callable[[str], SkrlAgentCfg]:
    return _tiny_agent


@pytest.fixture
def short_env() -> Callable[..., Any]:
    return _short_env


@pytest.fixture
def quiet_progress() -> Callable[[], TrainingProgress]:
    return make_quiet_progress


@pytest.fixture
def train(tmp_path: Path) -> Callable[..., TrainContext]:
    """Train an agent config on a fresh env in a new run directory under ``tmp_path``."""
    counter = iter(range(1000))

    def _train(agent_cfg: SkrlAgentCfg, env_cfg: Any = None, **kwargs: Any) -> TrainContext:
        return _run(agent_cfg, tmp_path / f"run{next(counter)}", env_cfg, **kwargs)

    return _train


@pytest.fixture(scope="session")
def trained_runs(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], TrainedRun]:
    """Three tiny iterations per algorithm, each trained once per session on first use."""
    runs: dict[str, TrainedRun] = {}

    def _get(algorithm: str) -> TrainedRun:
        if algorithm not in runs:
            agent_cfg = _tiny_agent(algorithm)
            ctx = _run(agent_cfg, tmp_path_factory.mktemp(algorithm.lower()) / "run")
            runs[algorithm] = TrainedRun(ctx, agent_cfg)
        return runs[algorithm]

    return _get


@pytest.fixture
def play_ctx() -> Callable[..., PlayContext]:
    """A PlayContext on a freshly built env (the caller closes ``ctx.env``)."""

    def _play(agent_cfg: SkrlAgentCfg, checkpoint: Path, *, task_id: str | None = None,
              env_cfg: Any = None, deterministic: bool = True) -> PlayContext:
        task_id = task_id or HOME[agent_cfg.algorithm][0]
        env_cfg = env_cfg if env_cfg is not None else _short_env(task_id, seed=7)
        return play_context(agent_cfg, checkpoint, env_cfg, task_id=task_id,
                            deterministic=deterministic)

    return _play
