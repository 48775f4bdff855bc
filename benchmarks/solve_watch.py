"""A silent progress display shared by the benchmarks: when did training count as solved?"""

from __future__ import annotations

import time
from dataclasses import dataclass

from genelab.rl.progress import IterationStats, TrainingProgress


class Solved(Exception):
    """Raised by a watcher with ``stop=True`` to end a run once it is solved."""


@dataclass
class SolvedAt:
    """The first iteration whose mean training episode length reached the target."""

    iteration: int
    seconds: float
    env_steps: int


class SolveWatch(TrainingProgress):
    """Records the first iteration whose mean training episode length reaches ``target``;
    with ``stop`` it then raises :class:`Solved` to end training there."""

    def __init__(self, target: float, stop: bool = False) -> None:
        super().__init__(enabled=False)
        self.target = target
        self.stop = stop
        self.solved: SolvedAt | None = None

    def update(self, stats: IterationStats) -> None:
        """Record the iteration; note (and maybe stop at) the first one that is solved."""
        super().update(stats)
        length = stats.mean_episode_length
        if self.solved is None and length is not None and length >= self.target:
            self.solved = SolvedAt(stats.iteration, time.perf_counter() - self._start_time,
                                   stats.env_steps)
            if self.stop:
                raise Solved
