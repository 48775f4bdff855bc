"""Ctrl-C and SIGTERM: never in the middle of a save, and during training at an iteration end.

Three pieces, used by core for every backend:

* :func:`deferred_interrupts` makes a block (a checkpoint save) uninterruptible: SIGINT
  and SIGTERM arriving inside it are acted on when it ends, so a file set is always
  written whole. :func:`genelab.files.atomic_file` uses it for every file; a backend
  that writes several files for one checkpoint wraps them in one more such block.
* :func:`stop_at_iteration_end` is installed around ``Backend.train``: the first SIGINT
  or SIGTERM asks training to stop when the current iteration ends (the progress
  display raises :class:`TrainingInterrupted` there, after the iteration is recorded),
  so the checkpoint the backend then saves is an exact iteration boundary. A signal
  before the first iteration ended, a second signal, or any signal in a multi-process
  run stops at once.
* :func:`interrupt_on_sigint` is the CLI's Ctrl-C outside training.

Every stop raises :class:`Interrupted`, a subclass of ``KeyboardInterrupt`` (code that
handles Ctrl-C handles it). It is not ``KeyboardInterrupt`` itself because CPython
flags a bare ``KeyboardInterrupt`` that passes through an ``eval()`` as unhandled and
then ends the process with SIGINT even after it was caught, losing exit code 130.
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


class Interrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM stopped the command (the argument names the signal)."""


class TrainingInterrupted(Interrupted):
    """Raised at an iteration end after Ctrl-C / SIGTERM asked training to stop."""


_deferring = 0
_pending: list[int] = []


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def _signals_blocked() -> Iterator[None]:
    """Hold SIGINT / SIGTERM while handlers are swapped (none is lost in between)."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _install(handler: Callable[[int, FrameType | None], Any] | dict[int, Any]) -> dict[int, Any]:
    """Set ``handler`` (one for both signals, or one per signal); return the previous ones."""
    with _signals_blocked():
        previous = {}
        for sig in SIGNALS:
            new = handler[sig] if isinstance(handler, dict) else handler
            previous[sig] = signal.signal(sig, signal.SIG_DFL if new is None else new)
        return previous


@contextlib.contextmanager
def deferred_interrupts() -> Iterator[None]:
    """Hold SIGINT and SIGTERM until the block ends, then act on them as the handlers
    installed outside the block would have (nested blocks hold them until the outermost
    one ends). Two held signals are both delivered: a second Ctrl-C still stops at once."""
    global _deferring
    if not _in_main_thread():
        yield
        return
    previous: dict[int, Any] = {}
    if _deferring == 0:
        previous = _install(_record)
    _deferring += 1
    try:
        yield
    finally:
        _deferring -= 1
        if _deferring == 0:
            _install(previous)
            pending, _pending[:] = list(_pending), []
            for sig in pending[:2]:  # the first may raise; then the second is moot
                _deliver(sig, previous[sig])


def _record(signum: int, frame: FrameType | None) -> None:
    _pending.append(signum)


def _deliver(signum: int, handler: Any) -> None:
    """Act on ``signum`` as ``handler`` (a Python handler, SIG_DFL or SIG_IGN) would."""
    if handler is signal.default_int_handler:
        raise Interrupted(signal.Signals(signum).name)
    if callable(handler):
        handler(signum, None)
    elif handler == signal.SIG_DFL:
        if signum == signal.SIGINT:
            raise Interrupted(signal.Signals(signum).name)
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)


def _raise_interrupted(signum: int, frame: FrameType | None) -> None:
    raise Interrupted(signal.Signals(signum).name)


def interrupt_on_sigint() -> None:
    """Make Ctrl-C raise :class:`Interrupted` (the CLI's handler outside training)."""
    if _in_main_thread():
        signal.signal(signal.SIGINT, _raise_interrupted)


@contextlib.contextmanager
def stop_at_iteration_end(request_stop: Callable[[str], bool], *,
                          immediate: bool = False) -> Iterator[None]:
    """While training runs, turn SIGINT / SIGTERM into a stop at the next iteration end.

    ``request_stop(signal_name)`` is called on a signal; it returns ``False`` when a stop
    cannot wait for the iteration end (nothing trained yet, or a stop was already
    requested), and then :class:`Interrupted` is raised at once. ``immediate`` raises at
    once on every signal (multi-process runs: the ranks must stop together).
    """
    if not _in_main_thread():
        yield
        return

    def handle(signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if immediate or not request_stop(name):
            raise Interrupted(name)

    previous = _install(handle)
    try:
        yield
    finally:
        _install(previous)
