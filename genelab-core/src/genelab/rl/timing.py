"""Where a training run's wall time goes: env stepping, acting, learning, checkpoints, logging.

Every backend reports the same phases, so the end-of-run table reads alike for all of
them. Phases nest: time spent in an inner phase (an env step inside a rollout the
backend timed as acting, a checkpoint written from a library callback) counts for the
inner phase only, so the rows add up to the measured total without double counting.
"""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

#: The phases of the end-of-run table, in its order, with their row labels.
PHASES = {
    "env": "env stepping",
    "acting": "acting",
    "learning": "learning update",
    "checkpoints": "checkpoints",
    "logging": "logging",
}

F = TypeVar("F", bound=Callable[..., Any])


class WallTime:
    """Accumulates the exclusive wall time of named phases of a training run.

    Created when the run's backend is about to build its learner; :meth:`start` (core
    calls it when training starts) books the time until then as setup. Use :meth:`phase`
    as a context manager, :meth:`wrap` on a callable, or :meth:`begin` / :meth:`end`
    where one hook starts a phase and another ends it. Only the thread that trains may
    use it.
    """

    def __init__(self) -> None:
        self.created = self.started = time.perf_counter()
        self.seconds: dict[str, float] = dict.fromkeys(PHASES, 0.0)
        self._stack: list[list[Any]] = []  # [phase, start, seconds spent in inner phases]

    def start(self, *_: Any) -> None:
        """Training starts now: what was timed so far (building the learner, loading a
        checkpoint) is setup. Takes and ignores the env-step counter (a progress
        ``on_start`` listener)."""
        self.started = time.perf_counter()
        self.seconds = dict.fromkeys(PHASES, 0.0)

    def begin(self, name: str) -> None:
        """Enter phase ``name`` (one of :data:`PHASES`)."""
        if name not in PHASES:
            raise ValueError(f"unknown phase {name!r}; phases: {', '.join(PHASES)}")
        self._stack.append([name, time.perf_counter(), 0.0])

    def end(self) -> None:
        """Leave the innermost phase, counting its time minus that of its inner phases."""
        name, start, inner = self._stack.pop()
        spent = time.perf_counter() - start
        self.seconds[name] += spent - inner
        if self._stack:
            self._stack[-1][2] += spent

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Count the ``with`` block as phase ``name``."""
        self.begin(name)
        try:
            yield
        finally:
            self.end()

    def wrap(self, name: str, function: F) -> F:
        """``function`` with every call counted as phase ``name``."""

        @functools.wraps(function)
        def timed(*args: Any, **kwargs: Any) -> Any:
            with self.phase(name):
                return function(*args, **kwargs)

        return timed  # type: ignore[return-value]

    def breakdown(self) -> dict[str, float]:
        """Seconds of training per phase, ``other`` (the rest of it: the library's own
        bookkeeping, the progress display), ``training`` (since :meth:`start`), ``setup``
        (before it) and ``total``, measured until now."""
        now = time.perf_counter()
        training = now - self.started
        return {**self.seconds, "other": max(training - sum(self.seconds.values()), 0.0),
                "training": training, "setup": self.started - self.created,
                "total": now - self.created}


def format_breakdown(seconds: dict[str, float]) -> str:
    """The end-of-run table of a :meth:`WallTime.breakdown`: one row per phase of training
    with its seconds and share, then the setup before it."""
    training = seconds.get("training", 0.0)
    rows = [f"where the training time went ({training:.1f} s):"]
    for name, label in {**PHASES, "other": "other"}.items():
        spent = seconds.get(name, 0.0)
        share = spent / training if training > 0 else 0.0
        rows.append(f"  {label:<16}{spent:>9.2f} s {share:>6.1%}")
    rows.append(f"  (setup before training: {seconds.get('setup', 0.0):.2f} s)")
    return "\n".join(rows)
