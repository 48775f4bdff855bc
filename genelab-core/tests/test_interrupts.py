"""Ctrl-C and SIGTERM: held during saves, turned into a stop at the next iteration end."""

from __future__ import annotations

import io
import signal

import pytest
from genelab.interrupts import (
    Interrupted,
    TrainingInterrupted,
    deferred_interrupts,
    stop_at_iteration_end,
)
from genelab.rl.progress import IterationStats, TrainingProgress


def progress() -> TrainingProgress:
    return TrainingProgress(stream=io.StringIO(), live=False)


def test_a_signal_during_a_deferred_block_acts_when_the_block_ends():
    steps = []
    before = signal.getsignal(signal.SIGINT)
    with pytest.raises(Interrupted, match="SIGINT"):
        with deferred_interrupts():
            with deferred_interrupts():  # nested: held until the outermost block ends
                signal.raise_signal(signal.SIGINT)
                steps.append("inner done")
            steps.append("outer done")
    assert steps == ["inner done", "outer done"]
    assert signal.getsignal(signal.SIGINT) is before  # the previous handler is back


def test_the_first_signal_stops_at_the_iteration_end_a_second_at_once():
    display = progress()
    with stop_at_iteration_end(display.request_stop):
        with pytest.raises(Interrupted):  # nothing trained yet: stop at once
            signal.raise_signal(signal.SIGTERM)
        display.update(IterationStats(iteration=0, env_steps=8))
        signal.raise_signal(signal.SIGTERM)  # asks for a stop, returns
        assert display.stop_requested == "SIGTERM"
        with pytest.raises(TrainingInterrupted):
            display.update(IterationStats(iteration=1, env_steps=16))
        with pytest.raises(Interrupted):  # a second signal does not wait
            signal.raise_signal(signal.SIGINT)
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL


def test_two_signals_held_by_a_save_still_stop_at_once():
    display = progress()
    display.update(IterationStats(iteration=0, env_steps=8))
    with stop_at_iteration_end(display.request_stop):
        with pytest.raises(Interrupted), deferred_interrupts():
            signal.raise_signal(signal.SIGINT)
            signal.raise_signal(signal.SIGINT)
        assert display.stop_requested == "SIGINT"


def test_multi_process_runs_stop_at_once():
    display = progress()
    display.update(IterationStats(iteration=0, env_steps=8))
    with stop_at_iteration_end(display.request_stop, immediate=True), \
            pytest.raises(Interrupted):
        signal.raise_signal(signal.SIGINT)
    assert display.stop_requested is None
