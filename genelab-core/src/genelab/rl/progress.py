"""One progress display for every backend: a live table on a terminal, sparse lines otherwise."""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TextIO

from genelab.interrupts import TrainingInterrupted


@dataclass
class IterationStats:
    """What a backend reports after each training iteration."""

    iteration: int
    env_steps: int
    mean_reward: float | None = None
    mean_episode_length: float | None = None
    extra: dict[str, float] = field(default_factory=dict)


def _fmt(value: float | None, spec: str = ".2f") -> str:
    return "-" if value is None or (isinstance(value, float) and math.isnan(value)) else format(
        value, spec
    )


def _duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


class TrainingProgress:
    """Shows iteration, env-steps/s, mean reward, mean episode length and ETA.

    On a terminal it redraws one live line (rich); elsewhere (CI, files) it prints a
    line every ``log_every`` iterations and on the last one. Backends call
    :meth:`start` once, :meth:`update` after each iteration and :meth:`finish` at the end.

    :meth:`start` calls the ``on_start`` listeners with the env-step counter.
    :meth:`update` marks an iteration end for everyone: it calls the ``on_iteration``
    listeners, and when a stop was requested (Ctrl-C / SIGTERM, see
    :meth:`request_stop`) it then raises :class:`~genelab.interrupts.TrainingInterrupted`,
    which a backend handles like Ctrl-C: save the iteration that just ended, re-raise.
    """

    def __init__(self, stream: TextIO | None = None, live: bool | None = None,
                 log_every: int = 10, enabled: bool = True) -> None:
        self.stream = stream or sys.stdout
        self.live = self.stream.isatty() if live is None else live
        self.log_every = max(1, log_every)
        self.enabled = enabled
        self.first_iteration = 0
        self.total_iterations = 0
        self.last: IterationStats | None = None
        self._start_time = 0.0
        self._last_time = 0.0
        self._last_steps = 0
        self._rate = 0.0
        self._status = None
        self.on_start: list[Callable[[int], None]] = []
        self.on_iteration: list[Callable[[IterationStats], None]] = []
        self.stop_requested: str | None = None

    def start(self, first_iteration: int, total_iterations: int, env_steps: int = 0) -> None:
        """Begin: iterations ``first_iteration`` .. ``total_iterations - 1`` will run.

        ``env_steps`` is the env-step counter at the start (non-zero when resuming).
        """
        self.first_iteration = first_iteration
        self._last_steps = env_steps
        self.total_iterations = total_iterations
        self._start_time = self._last_time = time.perf_counter()
        for listener in self.on_start:
            listener(env_steps)
        if self.enabled and self.live:
            from rich.console import Console

            self._status = Console(file=self.stream).status("training: first iteration...")
            self._status.start()

    def update(self, stats: IterationStats) -> None:
        """Record one finished iteration and redraw."""
        now = time.perf_counter()
        delta_t = max(now - self._last_time, 1e-9)
        self._rate = (stats.env_steps - self._last_steps) / delta_t
        self._last_time, self._last_steps = now, stats.env_steps
        self.last = stats
        if self.enabled:
            line = self.format_line(stats)
            if self._status is not None:
                self._status.update(line)
            elif self._is_log_point(stats.iteration):
                print(line, file=self.stream, flush=True)
        for listener in self.on_iteration:
            listener(stats)
        if self.stop_requested:
            raise TrainingInterrupted(self.stop_requested)

    def request_stop(self, reason: str) -> bool:
        """Ask training to stop when the running iteration ends (``reason``: e.g. ``"SIGINT"``).

        Returns ``False``, asking nothing, when the stop cannot wait for an iteration end:
        no iteration has ended yet, or a stop was already requested.
        """
        if self.last is None or self.stop_requested:
            return False
        self.stop_requested = reason
        if self.enabled:  # os.write: this runs inside a signal handler
            os.write(2, f"{reason}: stopping when iteration {self.last.iteration + 2} ends, "
                        "then saving a checkpoint; press Ctrl-C again to stop at once without "
                        "saving that iteration\n".encode())
        return True

    def _is_log_point(self, iteration: int) -> bool:
        done = iteration - self.first_iteration + 1
        return done == 1 or done % self.log_every == 0 or iteration + 1 >= self.total_iterations

    def eta_seconds(self, iteration: int) -> float:
        """Remaining wall time estimated from the mean time per iteration so far."""
        done = iteration - self.first_iteration + 1
        elapsed = time.perf_counter() - self._start_time
        return elapsed / max(done, 1) * max(self.total_iterations - iteration - 1, 0)

    def format_line(self, stats: IterationStats) -> str:
        """``it 12/100 | 8,210 steps/s | reward 3.21 | ep len 120.0 | ETA 00:41``, with
        ``| success 81%`` before the ETA when the backend reports a ``success_rate``."""
        success = stats.extra.get("success_rate")
        total = self.total_iterations or "?"  # a backend that never called start
        return (
            f"it {stats.iteration + 1}/{total} | "
            f"{self._rate:,.0f} steps/s | reward {_fmt(stats.mean_reward)} | "
            f"ep len {_fmt(stats.mean_episode_length, '.1f')} | "
            + ("" if success is None else f"success {success:.0%} | ")
            + f"ETA {_duration(self.eta_seconds(stats.iteration))}"
        )

    def finish(self) -> float:
        """Stop the live display; return the elapsed wall time in seconds."""
        if self._status is not None:
            self._status.stop()
            self._status = None
        return time.perf_counter() - self._start_time
