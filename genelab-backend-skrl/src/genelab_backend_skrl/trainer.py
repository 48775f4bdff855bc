"""The training loop: skrl's agent interaction protocol, GeneLab iterations and checkpoints.

skrl's ``SequentialTrainer`` is not used because it cannot train correctly here:

* it passes the post-reset observation as ``next_observations`` of finished envs, so
  PPO/A2C time-limit bootstrapping evaluates V(first state of the next episode) and
  SAC/TD3/DDPG store a transition into the next episode; this loop stores the env's
  pre-reset ``final_obs`` and keeps acting on the post-reset observation;
* it always counts timesteps from 0, so a resumed run would restart checkpoint names,
  TensorBoard steps, warm-up (``learning_starts``) and schedules.

The loop calls the agent exactly as skrl's trainer does (``pre_interaction``, ``act``,
``record_transition``, ``post_interaction``), so every algorithm behaves as in skrl.
"""

from __future__ import annotations

import collections
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from genelab.rl import IterationStats, TrainingProgress, deferred_interrupts
from genelab.rl.timing import WallTime
from skrl.agents.torch import Agent

from genelab_backend_skrl.checkpoints import checkpoint_path, save_checkpoint, save_memory
from genelab_backend_skrl.config import ON_POLICY
from genelab_backend_skrl.wrapper import GenelabSkrlWrapper


@dataclass
class Counters:
    """Where training stands; stored in every checkpoint and restored on resume.

    Attributes:
        iteration: The last finished iteration (-1 before the first).
        timestep: Vectorized env steps taken so far.
        wall_time: Training seconds so far.
    """

    iteration: int = -1
    timestep: int = 0
    wall_time: float = 0.0


def _mean(values: Any) -> float | None:
    return statistics.mean(values) if len(values) else None


class GenelabSkrlTrainer:
    """Runs ``iterations`` of ``steps_per_iteration`` vectorized env steps on one agent.

    Reports one :class:`IterationStats` per iteration (mean return and length of the last
    100 finished episodes, from the env's ``episode_return`` / ``episode_length``), writes
    ``checkpoints/agent_<timestep>.pt`` after the first iteration, every ``save_interval``
    iterations and the last one, and on Ctrl-C or an error saves the last finished
    iteration before re-raising.

    Args:
        env: The wrapped env.
        agent: An initialized skrl agent (with memory).
        algorithm: The agent's algorithm name (stored in checkpoints).
        steps_per_iteration: Vectorized env steps per iteration.
        save_interval: Checkpoint every this many iterations.
        run_dir: Run directory (checkpoints go to ``run_dir/checkpoints``); ``None`` only
            for driving :meth:`step` without training runs.
        progress: Receives ``start``/``update``/``finish``.
        snapshot: Called at every save for GeneLab's random-number and env state
            (``TrainContext.snapshot``); ``None`` stores none.
        wall_time: Times acting, learning and checkpoints (``TrainContext.wall_time``);
            ``None``: a fresh one nobody reads.
        rank: This process's rank; only rank 0 writes checkpoints.
        world_size: Training processes; env steps count the envs of all of them.
    """

    def __init__(self, env: GenelabSkrlWrapper, agent: Agent, *, algorithm: str,
                 steps_per_iteration: int, save_interval: int, run_dir: Path | None,
                 progress: TrainingProgress,
                 snapshot: Callable[[], dict[str, Any]] | None = None,
                 wall_time: WallTime | None = None, rank: int = 0, world_size: int = 1) -> None:
        self.env = env
        self.agent = agent
        self.algorithm = algorithm
        self.steps_per_iteration = steps_per_iteration
        self.save_interval = save_interval
        self.run_dir = run_dir
        self.progress = progress
        self.counters = Counters()
        self.snapshot = snapshot
        self.wall_time = wall_time or WallTime()
        self.writes_checkpoints = rank == 0
        self.envs_in_all_ranks = env.num_envs * world_size
        self.returns: collections.deque[float] = collections.deque(maxlen=100)
        self.lengths: collections.deque[float] = collections.deque(maxlen=100)
        env.reset()
        self._obs, self._states = env.observations()
        self._saved_iteration: int | None = None

    def resume(self, meta: dict[str, Any]) -> None:
        """Continue from a checkpoint's ``"genelab"`` entry: counters and episode buffers,
        and the env's current observations (call after the env state is restored)."""
        self.counters = Counters(meta["iteration"], meta["timestep"], meta["wall_time"])
        episodes = meta.get("episodes", {})
        self.returns.extend(episodes.get("returns", []))
        self.lengths.extend(episodes.get("lengths", []))
        self._obs, self._states = self.env.observations()

    def step(self, timestep: int, timesteps: int
             ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, dict[str, Any]]:
        """One vectorized step: act, step the env, record the transition, let the agent learn.

        The transition's ``next_observations`` / ``next_states`` are the pre-reset
        observations of finished envs. Returns the env's ``(rewards, terminated, truncated,
        info)`` of this step as the wrapper gave them.
        """
        agent, wall_time = self.agent, self.wall_time
        with wall_time.phase("learning"):
            agent.pre_interaction(timestep=timestep, timesteps=timesteps)
        with torch.no_grad(), wall_time.phase("acting"):  # the env step inside is "env"
            actions, _ = agent.act(self._obs, self._states, timestep=timestep,
                                   timesteps=timesteps)
            obs, rewards, terminated, truncated, info = self.env.step(actions)
            agent.record_transition(  # PPO/A2C add the time-out bootstrap to rewards in place
                observations=self._obs, states=self._states, actions=actions,
                rewards=rewards.clone(),
                next_observations=info["final_observations"], next_states=info["final_states"],
                terminated=terminated, truncated=truncated, infos=info, timestep=timestep,
                timesteps=timesteps)
        with wall_time.phase("learning"):  # the update, and skrl writing its scalars
            agent.post_interaction(timestep=timestep, timesteps=timesteps)
        self._obs, self._states = obs, self.env.state()
        done = (terminated | truncated).view(-1)
        if done.any():
            self.returns.extend(info["episode_return"][done].tolist())
            self.lengths.extend(info["episode_length"][done].float().tolist())
        return rewards, terminated, truncated, info

    def train(self, iterations: int) -> None:
        """Run ``iterations`` more iterations (continuing the counters)."""
        first = self.counters.iteration + 1
        last = first + iterations
        timesteps = last * self.steps_per_iteration
        num_envs = self.envs_in_all_ranks
        self.progress.start(first, last, self.counters.timestep * num_envs)
        self.agent.enable_training_mode(True)
        start_time = time.perf_counter() - self.counters.wall_time
        try:
            for iteration in range(first, last):
                base = self.counters.timestep
                for k in range(self.steps_per_iteration):
                    self.step(base + k, timesteps)
                self.counters.timestep = base + self.steps_per_iteration
                self.counters.iteration = iteration
                self.counters.wall_time = time.perf_counter() - start_time
                self.progress.update(IterationStats(
                    iteration=iteration, env_steps=self.counters.timestep * num_envs,
                    mean_reward=_mean(self.returns), mean_episode_length=_mean(self.lengths)))
                done = iteration - first + 1
                if done == 1 or done % self.save_interval == 0 or iteration == last - 1:
                    self.save()
        except BaseException:
            if self.counters.iteration >= first and self._saved_iteration != self.counters.iteration:
                self.save()
            raise
        finally:
            self.progress.finish()

    def save(self) -> Path | None:
        """Checkpoint the agent at the last finished iteration (off-policy: with its replay
        memory; Ctrl-C waits until both are written); returns the file (``None`` on the
        ranks that write none)."""
        counters = self.counters
        if not self.writes_checkpoints:
            return None
        path = checkpoint_path(self.run_dir, counters.timestep)
        with deferred_interrupts(), self.wall_time.phase("checkpoints"):
            save_checkpoint(self.agent, path, {
                "algorithm": self.algorithm, "iteration": counters.iteration,
                "timestep": counters.timestep, "env_steps": counters.timestep * self.envs_in_all_ranks,
                "wall_time": counters.wall_time,
                "episodes": {"returns": list(self.returns), "lengths": list(self.lengths)},
                "snapshot": self.snapshot() if self.snapshot is not None else None})
            if self.algorithm not in ON_POLICY:  # after the checkpoint: older ones go then
                save_memory(self.agent.memory, path)
        self._saved_iteration = counters.iteration
        return path
