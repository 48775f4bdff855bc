"""Fixtures: real tasks, real envs and a tiny trained Cartpole run shared by the tests.

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
from genelab_backend_rslrl.backend import RslRlBackend
from genelab_backend_rslrl.config import RslRlOnPolicyRunnerCfg

CARTPOLE = "GeneLab-Cartpole-v0"
TINY_ENVS = 8
TINY_STEPS = 16


def _tiny_agent(task_id: str = CARTPOLE) -> RslRlOnPolicyRunnerCfg:
    """The task's agent config shrunk to a run of a few seconds."""
    cfg = TASKS.get(task_id).agent_cfg("rsl_rl_ppo")
    cfg.steps_per_iteration = TINY_STEPS
    cfg.max_iterations = 3
    cfg.actor.hidden_dims = [8, 8]
    cfg.critic.hidden_dims = [8, 8]
    cfg.actor.obs_normalization = True
    cfg.critic.obs_normalization = True
    cfg.algorithm.num_learning_epochs = 2
    cfg.algorithm.num_mini_batches = 2
    return cfg


def _short_env(task_id: str = CARTPOLE, num_envs: int = TINY_ENVS, seed: int = 0,
               horizon: int | None = 10) -> Any:
    """This package's defaults for :func:`genelab.testing.short_env_cfg`."""
    return short_env_cfg(task_id, num_envs, seed, horizon)


def _run(agent_cfg: RslRlOnPolicyRunnerCfg, run_dir: Path, env_cfg: Any = None, *,
         task_id: str = CARTPOLE, resume_from: Path | None = None,
         progress: TrainingProgress | None = None) -> TrainContext:
    env_cfg = env_cfg if env_cfg is not None else _short_env(task_id)
    return train_backend(RslRlBackend(), agent_cfg, env_cfg, run_dir, task_id=task_id,
                         resume_from=resume_from, progress=progress)


@dataclass
class TrainedRun:
    """A finished tiny Cartpole run."""

    ctx: TrainContext
    agent_cfg: RslRlOnPolicyRunnerCfg

    @property
    def run_dir(self) -> Path:
        return self.ctx.run_dir


@pytest.fixture
def tiny_agent() -> Callable[..., RslRlOnPolicyRunnerCfg]:
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

    def _train(agent_cfg: RslRlOnPolicyRunnerCfg, env_cfg: Any = None, **kwargs: Any
               ) -> TrainContext:
        return _run(agent_cfg, tmp_path / f"run{next(counter)}", env_cfg, **kwargs)

    return _train


@pytest.fixture(scope="session")
def cartpole_run(tmp_path_factory: pytest.TempPathFactory) -> TrainedRun:
    """Three tiny iterations of Cartpole (checkpoints model_0.pt and model_2.pt)."""
    agent_cfg = _tiny_agent()
    ctx = _run(agent_cfg, tmp_path_factory.mktemp("cartpole") / "run")
    return TrainedRun(ctx, agent_cfg)


@pytest.fixture
def play_ctx() -> Callable[..., PlayContext]:
    """A PlayContext on a freshly built env (the caller closes ``ctx.env``)."""

    def _play(agent_cfg: RslRlOnPolicyRunnerCfg, checkpoint: Path, *, task_id: str = CARTPOLE,
              env_cfg: Any = None, deterministic: bool = True) -> PlayContext:
        env_cfg = env_cfg if env_cfg is not None else _short_env(task_id, seed=7)
        return play_context(agent_cfg, checkpoint, env_cfg, task_id=task_id,
                            deterministic=deterministic)

    return _play
