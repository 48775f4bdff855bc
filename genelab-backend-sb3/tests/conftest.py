"""Fixtures: real tasks, real envs and tiny trained runs of every algorithm (and HER).

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
from genelab_backend_sb3.backend import Sb3Backend
from genelab_backend_sb3.config import Sb3AgentCfg
from genelab_backend_sb3.vec_env import GOAL_KEYS

CARTPOLE = "GeneLab-Cartpole-v0"
PENDULUM = "GeneLab-Pendulum-v0"
REACH = "GeneLab-Reach-v0"
#: Runs the tiny fixtures train: each algorithm on its home task, and SAC + HER on Reach.
HOME = {"PPO": (CARTPOLE, "sb3_ppo"), "A2C": (CARTPOLE, "sb3_a2c"),
        "SAC": (PENDULUM, "sb3_sac"), "TD3": (PENDULUM, "sb3_td3"),
        "DDPG": (PENDULUM, "sb3_ddpg"), "HER": (REACH, "sb3_sac_her")}
TINY_ENVS = 8
TINY_STEPS = 8
HORIZON = 10


def _tiny_agent(name: str) -> Sb3AgentCfg:
    """The preset of ``name`` (an algorithm or "HER") shrunk to 3 iterations of a second."""
    task_id, preset = HOME[name]
    cfg = TASKS.get(task_id).agent_cfg(preset)
    cfg.steps_per_iteration = TINY_STEPS
    cfg.max_iterations = 3
    cfg.policy.net_arch = [8, 8]
    hyper = cfg.hyperparameters
    if cfg.algorithm == "PPO":
        hyper.batch_size, hyper.n_epochs = 32, 2
    elif not cfg.on_policy:
        hyper.buffer_size = 640
        hyper.batch_size = 16
        hyper.learning_starts = HORIZON * TINY_ENVS if cfg.her.enabled else 16
        hyper.gradient_steps = 2
    return cfg


def _short_env(task_id: str = CARTPOLE, num_envs: int = TINY_ENVS, seed: int = 0,
               horizon: int | None = HORIZON) -> Any:
    """This package's defaults for :func:`genelab.testing.short_env_cfg`."""
    return short_env_cfg(task_id, num_envs, seed, horizon)


def _task_of(agent_cfg: Sb3AgentCfg) -> str:
    return REACH if agent_cfg.her.enabled else HOME[agent_cfg.algorithm][0]


def _run(agent_cfg: Sb3AgentCfg, run_dir: Path, env_cfg: Any = None, *,
         task_id: str | None = None, resume_from: Path | None = None,
         progress: TrainingProgress | None = None) -> TrainContext:
    task_id = task_id or _task_of(agent_cfg)
    env_cfg = env_cfg if env_cfg is not None else _short_env(task_id)
    return train_backend(Sb3Backend(), agent_cfg, env_cfg, run_dir, task_id=task_id,
                         resume_from=resume_from, progress=progress)


@dataclass
class TrainedRun:
    """A finished tiny run (3 iterations of ``TINY_STEPS`` steps on ``TINY_ENVS`` envs)."""

    ctx: TrainContext
    agent_cfg: Sb3AgentCfg

    @property
    def run_dir(self) -> Path:
        return self.ctx.run_dir

    @property
    def last_checkpoint(self) -> Path:
        return self.run_dir / "checkpoints" / f"model_{3 * TINY_STEPS * TINY_ENVS}.zip"


def _sb3_inputs(obs: dict[str, Any], goal_task: bool) -> Any:
    """What SB3's ``predict`` takes for these observation groups (numpy, on the host)."""
    if goal_task:
        return {key: obs[group].cpu().numpy() for key, group in GOAL_KEYS.items()}
    return obs["policy"].cpu().numpy()


@pytest.fixture
def sb3_inputs() -> Callable[[dict[str, Any], bool], Any]:
    return _sb3_inputs


@pytest.fixture
def tiny_agent() -> Callable[[str], Sb3AgentCfg]:
    return _tiny_agent


@pytest.fixture
def short_env() -> Callable[..., Any]:
    return _short_env


@pytest.fixture
def train(tmp_path: Path) -> Callable[..., TrainContext]:
    """Train an agent config on a fresh env in a new run directory under ``tmp_path``."""
    counter = iter(range(1000))

    def _train(agent_cfg: Sb3AgentCfg, env_cfg: Any = None, **kwargs: Any) -> TrainContext:
        return _run(agent_cfg, tmp_path / f"run{next(counter)}", env_cfg, **kwargs)

    return _train


@pytest.fixture(scope="session")
def trained_runs(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], TrainedRun]:
    """A tiny run per algorithm (or "HER"), each trained once per session on first use."""
    runs: dict[str, TrainedRun] = {}

    def _get(name: str) -> TrainedRun:
        if name not in runs:
            agent_cfg = _tiny_agent(name)
            ctx = _run(agent_cfg, tmp_path_factory.mktemp(name.lower()) / "run")
            runs[name] = TrainedRun(ctx, agent_cfg)
        return runs[name]

    return _get


@pytest.fixture
def play_ctx() -> Callable[..., PlayContext]:
    """A PlayContext on a freshly built env (the caller closes ``ctx.env``)."""

    def _play(agent_cfg: Sb3AgentCfg, checkpoint: Path, *, task_id: str | None = None,
              env_cfg: Any = None, deterministic: bool = True) -> PlayContext:
        task_id = task_id or _task_of(agent_cfg)
        env_cfg = env_cfg if env_cfg is not None else _short_env(task_id, seed=7)
        return play_context(agent_cfg, checkpoint, env_cfg, task_id=task_id,
                            deterministic=deterministic)

    return _play
