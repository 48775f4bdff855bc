"""Training through ``model.learn()``: GeneLab iterations, progress, metrics, checkpoints.

SB3 collects ``steps_per_iteration`` vectorized steps per rollout (PPO/A2C ``n_steps``,
SAC/TD3/DDPG ``train_freq``) and updates after each, so one SB3 rollout plus its update
is one GeneLab iteration. :class:`IterationCallback` sees an iteration end when the next
rollout starts (the update is done by then) and when training ends.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from genelab.rl import IterationStats, TrainingProgress
from genelab.rl.metrics import TrainingMetrics
from genelab.rl.timing import WallTime
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.logger import KVWriter, Logger

from genelab_backend_sb3.checkpoints import checkpoint_path, save_checkpoint


@dataclass
class Counters:
    """Where training stands; stored in every checkpoint and restored on resume.

    Attributes:
        iteration: The last finished iteration (-1 before the first).
        wall_time: Training seconds so far.
    """

    iteration: int = -1
    wall_time: float = 0.0


class Sb3Trainer:
    """Runs ``iterations`` more iterations of ``model`` and checkpoints them.

    Hands SB3's ``train/*`` scalars to ``metrics`` under the schema's names once per
    iteration (episode and speed statistics are core's), writes
    ``checkpoints/model_<env_steps>.zip`` after the first iteration, every
    ``save_interval`` iterations and the last one, and times rollouts (``acting``),
    updates (``learning``, see :class:`IterationCallback`) and checkpoints in
    ``wall_time``. On Ctrl-C or an error it
    saves the last finished iteration before re-raising.

    Args:
        model: An SB3 model on a :class:`GenelabSb3VecEnv` (restored when resuming).
        algorithm: The algorithm name (stored in checkpoints).
        steps_per_iteration: Vectorized env steps per iteration.
        save_interval: Checkpoint every this many iterations.
        run_dir: The run directory.
        metrics: The run's metrics (``TrainContext.metrics``).
        wall_time: The run's ``WallTime`` (``TrainContext.wall_time``).
        progress: Receives ``start`` / ``update`` / ``finish``.
        counters: Counters restored from a checkpoint (a fresh run starts at zero).
        snapshot: Called at every save for GeneLab's random-number and env state
            (``TrainContext.snapshot``); ``None`` stores none.
    """

    def __init__(self, model: BaseAlgorithm, *, algorithm: str, steps_per_iteration: int,
                 save_interval: int, run_dir: Path, metrics: TrainingMetrics,
                 wall_time: WallTime, progress: TrainingProgress,
                 counters: Counters | None = None,
                 snapshot: Callable[[], dict[str, Any]] | None = None) -> None:
        self.model = model
        self.snapshot = snapshot
        self.algorithm = algorithm
        self.steps_per_iteration = steps_per_iteration
        self.save_interval = save_interval
        self.run_dir = run_dir
        self.progress = progress
        self.counters = counters or Counters()
        self._saved_iteration: int | None = None
        self._env_steps = model.num_timesteps  # at the end of the last finished iteration
        self.wall_time = wall_time
        model.set_logger(Logger(str(run_dir), [MetricsFormat(metrics)]))

    def train(self, iterations: int) -> None:
        """Run ``iterations`` more iterations (continuing the counters)."""
        model = self.model
        first = self.counters.iteration + 1
        self._first, self._last = first, first + iterations
        self.progress.start(first, self._last, model.num_timesteps)
        self._start_time = time.perf_counter() - self.counters.wall_time
        budget = iterations * self.steps_per_iteration * model.n_envs
        try:
            model.learn(budget, callback=IterationCallback(self.end_iteration, self.wall_time),
                        reset_num_timesteps=False, log_interval=None)
        except BaseException:
            if self.counters.iteration >= first and self._saved_iteration != self.counters.iteration:
                model.num_timesteps = self._env_steps  # the interrupted rollout is not counted
                self.save()
            raise
        finally:
            model.logger.close()

    def end_iteration(self) -> None:
        """Count the iteration that just finished; log, report and checkpoint it."""
        model = self.model
        counters = self.counters
        counters.iteration += 1
        counters.wall_time = time.perf_counter() - self._start_time
        self._env_steps = model.num_timesteps
        model.dump_logs()
        episodes = model.ep_info_buffer or []
        extra = {}
        if model.ep_success_buffer:
            extra["success_rate"] = statistics.mean(model.ep_success_buffer)
        self.progress.update(IterationStats(
            iteration=counters.iteration, env_steps=model.num_timesteps,
            mean_reward=statistics.mean(e["r"] for e in episodes) if episodes else None,
            mean_episode_length=statistics.mean(e["l"] for e in episodes) if episodes else None,
            extra=extra))
        done = counters.iteration - self._first + 1
        if done == 1 or done % self.save_interval == 0 or counters.iteration == self._last - 1:
            self.save()

    def save(self) -> Path:
        """Checkpoint the model at the last finished iteration; returns the file."""
        counters = self.counters
        path = checkpoint_path(self.run_dir, self.model.num_timesteps)
        with self.wall_time.phase("checkpoints"):
            save_checkpoint(self.model, path, {
                "algorithm": self.algorithm, "iteration": counters.iteration,
                "env_steps": self.model.num_timesteps, "wall_time": counters.wall_time},
                self.snapshot)
        self._saved_iteration = counters.iteration
        return path


#: SB3's ``train/*`` loss names -> the metrics schema's ``Loss/*``.
_LOSSES = {"policy_gradient_loss": "policy", "policy_loss": "policy", "value_loss": "value",
           "entropy_loss": "entropy", "loss": "total", "actor_loss": "actor",
           "critic_loss": "critic", "ent_coef_loss": "entropy_coefficient"}


def schema_name(key: str) -> str | None:
    """The metrics-schema name of an SB3 logger key (``train/value_loss`` -> ``Loss/value``,
    ``train/learning_rate`` -> ``Train/learning_rate``), or ``None`` for ``rollout/*`` and
    ``time/*``: episode and speed statistics are core's."""
    category, _, name = key.partition("/")
    if category != "train":
        return None
    return f"Loss/{_LOSSES[name]}" if name in _LOSSES else f"Train/{name}"


class MetricsFormat(KVWriter):
    """SB3's logger output into core's metrics, numbers only, under the schema's names."""

    def __init__(self, metrics: TrainingMetrics) -> None:
        self.metrics = metrics

    def write(self, key_values: dict[str, Any], key_excluded: dict[str, Any],
              step: int = 0) -> None:
        """Record the numeric values of one dump (the step is core's)."""
        for key, value in key_values.items():
            name = schema_name(key)
            if name is not None and isinstance(value, (int, float, np.number)):
                self.metrics.scalar(name, value)

    def close(self) -> None:
        """Nothing to close: core writes and closes the run's events."""


class IterationCallback(BaseCallback):
    """Calls ``on_iteration`` after every rollout's update: when the next rollout starts,
    and once more when training ends (if a rollout ran since the last call). Times each
    rollout as ``acting`` and each update (from a rollout's end to the next one's start)
    as ``learning`` in ``wall_time``."""

    def __init__(self, on_iteration: Callable[[], None], wall_time: WallTime) -> None:
        super().__init__()
        self.on_iteration = on_iteration
        self.wall_time = wall_time
        self._pending = False

    def _on_rollout_start(self) -> None:
        if self._pending:
            self.wall_time.end()  # the update
            self.on_iteration()
        self._pending = True
        self.wall_time.begin("acting")

    def _on_rollout_end(self) -> None:
        self.wall_time.end()
        self.wall_time.begin("learning")

    def _on_step(self) -> bool:
        return True

    def _on_training_end(self) -> None:
        if self._pending:
            self._pending = False
            self.wall_time.end()
            self.on_iteration()
