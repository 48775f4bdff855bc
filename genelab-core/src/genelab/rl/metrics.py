"""One metrics schema for every backend, written by core at every iteration end.

Core measures the episodes itself, from the env (a bridge on it): every backend, a
third party's too, gets the same scalars computed the same way, against one x-axis,
the total env transitions (``IterationStats.env_steps``):

* ``Episode/return``, ``Episode/length``: means over the episodes that ended during
  the iteration (not written when none did); ``Episode/count``: how many ended;
* ``Episode/success_rate``: the share of them that reached the goal (goal tasks);
* ``Episode_Reward/<term>``: each reward term's sum per episode, ``Episode_Termination/<term>``:
  the share of episodes each termination term ended, both per-episode means;
* ``Perf/steps_per_s``: env transitions per second over the iteration;
  ``Time/elapsed_s``: training seconds since the run started (resumes continue it);
* ``Train/learning_rate``, ``Loss/<name>`` (``policy``, ``value``, ``entropy``, ...) and
  other algorithm scalars the backend passes to :meth:`TrainingMetrics.scalar` (directly
  or through :meth:`TrainingMetrics.library_writer`, which renames a library's tags).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import torch

from genelab.envs.bridge import Bridge, StepResult

if TYPE_CHECKING:
    from genelab.envs.rl_env import ManagerBasedRlEnv
    from genelab.rl.progress import IterationStats
    from genelab.rl.timing import WallTime

#: A library's scalar tag -> its schema name, or ``None`` to drop it.
Rename = Callable[[str], "str | None"]


class EpisodeStatistics(Bridge):
    """Sums the episodes that end on each env step, from the env's own ``extras``
    (``episode_return``, ``episode_length``, ``success``, the per-term ``log``), and
    times the env step as the ``env`` phase of ``wall_time``.

    The sums stay on the env's device, so counting adds no host synchronisation to a
    step; :meth:`pop` reads them once per iteration.
    """

    def __init__(self, wall_time: WallTime | None = None) -> None:
        self.wall_time = wall_time
        self._sums: torch.Tensor | None = None  # episodes, return, length, successes
        self._terms: dict[str, float] = {}
        self._term_episodes = 0
        self._goal_task = False

    def on_build(self, env: ManagerBasedRlEnv) -> None:
        """Start counting on ``env``'s device."""
        self._sums = torch.zeros(4, dtype=torch.float64, device=env.device)

    def pre_step(self, env: ManagerBasedRlEnv, action: torch.Tensor) -> None:
        """Start timing the step."""
        if self.wall_time is not None:
            self.wall_time.begin("env")

    def post_step(self, env: ManagerBasedRlEnv, result: StepResult) -> None:
        """Add the episodes that ended on this step."""
        if self.wall_time is not None:
            self.wall_time.end()
        extras = result.extras
        finished = result.terminated | result.truncated
        parts = [finished, extras["episode_return"] * finished,
                 extras["episode_length"] * finished]
        if "success" in extras:
            self._goal_task = True
            parts.append(extras["success"] & finished)
        else:
            parts.append(torch.zeros_like(finished))
        assert self._sums is not None
        self._sums += torch.stack([part.to(torch.float64).sum() for part in parts])
        if extras["log"]:  # present only when episodes ended: the env synchronised already
            episodes = int(finished.sum())
            for name, mean in extras["log"].items():
                self._terms[name] = self._terms.get(name, 0.0) + mean * episodes
            self._term_episodes += episodes

    def pop(self) -> dict[str, float]:
        """The schema's ``Episode*`` scalars since the last call (nothing for a stretch
        in which no episode ended), and start counting again."""
        assert self._sums is not None
        episodes, total_return, total_length, successes = self._sums.tolist()
        self._sums.zero_()
        terms, term_episodes = self._terms, self._term_episodes
        self._terms, self._term_episodes = {}, 0
        if episodes == 0:
            return {}
        scalars = {"Episode/return": total_return / episodes,
                   "Episode/length": total_length / episodes, "Episode/count": episodes}
        if self._goal_task:
            scalars["Episode/success_rate"] = successes / episodes
        if term_episodes:
            scalars.update({name: value / term_episodes for name, value in terms.items()})
        return scalars


class TrainingMetrics:
    """The run's scalars in the schema of this module, written at every iteration end.

    Built by core for each :class:`~genelab.rl.TrainContext` (``ctx.metrics``): it
    attaches :class:`EpisodeStatistics` to the env and listens to the progress display's
    iteration ends. A backend adds its algorithm's scalars for the running iteration
    with :meth:`scalar`, or hands its library :meth:`library_writer` in place of a
    ``SummaryWriter``. On ranks that write nothing everything is dropped.

    Args:
        writer: Returns the run's ``SummaryWriter`` (or ``None``: nothing is written).
        env: The training env.
        wall_time: Times the env steps and the writing itself (``env`` / ``logging``).
    """

    def __init__(self, writer: Callable[[], Any], env: ManagerBasedRlEnv,
                 wall_time: WallTime) -> None:
        self._writer = writer
        self.wall_time = wall_time
        self.episodes = EpisodeStatistics(wall_time)
        env.add_bridge(self.episodes)
        self.elapsed_before = 0.0  # training seconds of the runs this one continues
        self._pending: dict[str, float] = {}
        self._started: float | None = None
        self._last: tuple[int, float] | None = None

    def start(self, env_steps: int) -> None:
        """Training starts at ``env_steps`` total transitions (core calls it)."""
        self._started = time.perf_counter()
        self._last = (env_steps, self._started)

    def elapsed(self) -> float:
        """Training seconds so far, those of the runs this one continues included."""
        return self.elapsed_before + (time.perf_counter() - self._started
                                      if self._started is not None else 0.0)

    def scalar(self, name: str, value: Any) -> None:
        """Record an algorithm scalar (``Loss/value``, ``Train/learning_rate``, ...) of the
        running iteration; it is written at the iteration's end."""
        self._pending[name] = float(value)

    def library_writer(self, rename: Rename) -> LibraryScalars | None:
        """A stand-in for the ``SummaryWriter`` an RL library writes its scalars to: each
        tag goes through ``rename`` into the schema (``None`` drops it: episode and speed
        statistics are core's). ``None`` on ranks that write nothing."""
        return LibraryScalars(self, rename) if self._writer() is not None else None

    def write(self, stats: IterationStats) -> None:
        """Write the iteration that just ended (a progress listener)."""
        with self.wall_time.phase("logging"):
            now = time.perf_counter()
            steps_before, time_before = self._last or (stats.env_steps, now)
            self._last = (stats.env_steps, now)
            scalars = {**self.episodes.pop(), **self._pending}
            self._pending = {}
            scalars["Perf/steps_per_s"] = (stats.env_steps - steps_before) / max(now - time_before,
                                                                                  1e-9)
            scalars["Time/elapsed_s"] = self.elapsed()
            writer = self._writer()
            if writer is None:
                return
            for name, value in scalars.items():
                writer.add_scalar(name, value, stats.env_steps)


class LibraryScalars:
    """What an RL library sees as its ``SummaryWriter``: scalars go to
    :meth:`TrainingMetrics.scalar` under their schema names; everything else is dropped."""

    def __init__(self, metrics: TrainingMetrics, rename: Rename) -> None:
        self.metrics = metrics
        self.rename = rename

    def add_scalar(self, tag: str, scalar_value: Any, global_step: Any = None,
                   *args: Any, **kwargs: Any) -> None:
        """Record ``scalar_value`` under the schema name of ``tag`` (the step is core's)."""
        name = self.rename(tag)
        if name is not None:
            self.metrics.scalar(name, scalar_value)

    def flush(self) -> None:
        """Nothing to flush: core writes at the iteration end."""

    def close(self) -> None:
        """Leave the run's writer open: core closes it."""
