"""Ctrl-C and SIGTERM: never in the middle of a save, and during training at an iteration end.

Two pieces, both used by core for every backend:

* :func:`deferred_interrupts` makes a block (a checkpoint save) uninterruptible: SIGINT
  and SIGTERM arriving inside it are acted on when it ends, so a file set is always
  written whole. :func:`genelab.files.atomic_file` uses it for every file; a backend
  that writes several files for one checkpoint wraps them in one more such block.
* :func:`stop_at_iteration_end` is installed around ``Backend.train``: the first SIGINT
  or SIGTERM asks training to stop when the current iteration ends (the progress
  display raises :class:`TrainingInterrupted` there, after the iteration is recorded),
  so the checkpoint the backend then saves is an exact iteration boundary. A signal
  before the first iteration ended, a second signal, or any signal in a multi-process
  run stops at once with ``KeyboardInterrupt``.

Handlers are installed only in the main thread (Python delivers signals there).
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class TrainingInterrupted(KeyboardInterrupt):
    """Raised at an iteration end after Ctrl-C / SIGTERM asked training to stop."""


_deferring = 0
_pending: list[int] = []


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def deferred_interrupts() -> Iterator[None]:
    """Hold SIGINT and SIGTERM until the block ends, then act on them as the handlers
    installed outside the block would have (nested blocks hold them until the outermost
    one ends)."""
    global _deferring
    if not _in_main_thread():
        yield
        return
    previous: dict[int, Any] = {}
    if _deferring == 0:
        previous = {sig: signal.signal(sig, _record) for sig in SIGNALS}
    _deferring += 1
    try:
        yield
    finally:
        _deferring -= 1
        if _deferring == 0:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            pending, _pending[:] = list(_pending), []
            for sig in pending[:1]:  # one delivery is enough: it stops whatever runs
                _deliver(sig, previous[sig])


def _record(signum: int, frame: FrameType | None) -> None:
    _pending.append(signum)


def _deliver(signum: int, handler: Any) -> None:
    """Act on ``signum`` as ``handler`` (a Python handler, SIG_DFL or SIG_IGN) would."""
    if callable(handler):
        handler(signum, None)
    elif handler == signal.SIG_DFL:
        if signum == signal.SIGINT:
            raise KeyboardInterrupt
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)


@contextlib.contextmanager
def stop_at_iteration_end(request_stop: Callable[[str], bool], *,
                          immediate: bool = False) -> Iterator[None]:
    """While training runs, turn SIGINT / SIGTERM into a stop at the next iteration end.

    ``request_stop(signal_name)`` is called on a signal; it returns ``False`` when a stop
    cannot wait for the iteration end (nothing trained yet, or a stop was already
    requested), and then ``KeyboardInterrupt`` is raised at once. ``immediate`` raises at
    once on every signal (multi-process runs: the ranks must stop together).
    """
    if not _in_main_thread():
        yield
        return

    def handle(signum: int, frame: FrameType | None) -> None:
        if immediate or not request_stop(signal.Signals(signum).name):
            raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, handle) for sig in SIGNALS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
