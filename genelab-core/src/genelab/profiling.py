"""Profiler hook: ``torch.profiler`` stepped once per env step, traces in the run directory.

``genelab train TASK --profile`` (or ``GENELAB_PROFILE=1``) attaches a
:class:`ProfilerBridge` to the training env, whatever the backend. It follows a
``wait, warmup, active, repeat`` schedule counted in env steps (``GENELAB_PROFILE_SCHEDULE``,
default ``10,5,10,1``), so the recorded window covers env steps and whatever the learner
does between them, and writes Chrome/TensorBoard traces to ``<run>/profiler/`` (or
``GENELAB_PROFILE_OUT``). In a multi-process launch only rank 0 profiles.
"""

from __future__ import annotations

import os
import sys
from dataclasses import astuple, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from genelab.envs.bridge import Bridge, StepResult
from genelab.errors import GenelabError

if TYPE_CHECKING:
    from genelab.envs.rl_env import ManagerBasedRlEnv

ENABLE = "GENELAB_PROFILE"
OUTPUT = "GENELAB_PROFILE_OUT"
SCHEDULE = "GENELAB_PROFILE_SCHEDULE"


@dataclass(frozen=True)
class ProfileSchedule:
    """``torch.profiler.schedule`` in env steps: skip ``wait``, warm up ``warmup``, record
    ``active``; ``repeat`` such cycles (0: until training ends)."""

    wait: int = 10
    warmup: int = 5
    active: int = 10
    repeat: int = 1

    @classmethod
    def parse(cls, text: str) -> ProfileSchedule:
        """``"wait,warmup,active,repeat"``; an empty string gives the defaults."""
        if not text.strip():
            return cls()
        try:
            values = [int(part) for part in text.split(",")]
            schedule = cls(*values) if len(values) == 4 else None
        except ValueError:
            schedule = None
        if schedule is None or min(values) < 0 or schedule.active < 1:
            raise GenelabError(f"{SCHEDULE} must be four integers wait,warmup,active,repeat "
                               f"with active >= 1, e.g. 10,5,10,1 (got '{text}')")
        return schedule

    @property
    def first_trace_step(self) -> int:
        """Env steps until the first trace is written."""
        return self.wait + self.warmup + self.active


@dataclass(frozen=True)
class ProfileRequest:
    """Where and when to profile, resolved from the CLI flag and the environment."""

    schedule: ProfileSchedule
    output: Path | None  # None: <run>/profiler

    def bridge(self, run_dir: Path) -> ProfilerBridge:
        """The bridge writing into ``output`` or ``run_dir / "profiler"``."""
        return ProfilerBridge(self.output or run_dir / "profiler", self.schedule)


def profile_request(flag: bool) -> ProfileRequest | None:
    """What ``--profile`` / ``GENELAB_PROFILE`` ask for, or ``None`` (also on ranks > 0).

    Checked before anything is built: a bad schedule is a :class:`GenelabError`.
    """
    enabled = flag or os.environ.get(ENABLE, "") not in ("", "0")
    if not enabled or int(os.environ.get("RANK", "0")) != 0:
        return None
    output = os.environ.get(OUTPUT)
    return ProfileRequest(ProfileSchedule.parse(os.environ.get(SCHEDULE, "")),
                          Path(output) if output else None)


class ProfilerBridge(Bridge):
    """Runs ``torch.profiler`` on the env's device(s), one profiler step per env step.

    Args:
        output: Directory of the traces (``*.pt.trace.json``, readable by TensorBoard's
            profiler plugin, Perfetto or ``chrome://tracing``).
        schedule: The profiling window in env steps.
    """

    def __init__(self, output: Path, schedule: ProfileSchedule) -> None:
        self.output = Path(output)
        self.schedule = schedule
        self.steps = 0
        self._profiler: Any = None

    def on_build(self, env: ManagerBasedRlEnv) -> None:
        """Start profiling (CPU, and CUDA when the env runs there)."""
        import torch
        from torch.profiler import ProfilerActivity, profile, schedule, tensorboard_trace_handler

        activities = [ProfilerActivity.CPU]
        if env.device.type == "cuda" and torch.cuda.is_available():
            activities.append(ProfilerActivity.CUDA)
        wait, warmup, active, repeat = astuple(self.schedule)
        self._profiler = profile(
            activities=activities,
            schedule=schedule(wait=wait, warmup=warmup, active=active, repeat=repeat),
            on_trace_ready=tensorboard_trace_handler(str(self.output)))
        self._profiler.start()

    def post_step(self, env: ManagerBasedRlEnv, result: StepResult) -> None:
        """Advance the schedule by one env step."""
        self.steps += 1
        self._profiler.step()

    def close(self) -> None:
        """Stop profiling; say so when the run ended before anything was recorded."""
        if self._profiler is None:
            return
        profiler, self._profiler = self._profiler, None
        profiler.stop()
        if self.steps < self.schedule.first_trace_step:
            print(f"note: profiling recorded no trace: the run took {self.steps} env steps, "
                  f"the schedule needs {self.schedule.first_trace_step} "
                  f"(set {SCHEDULE}=wait,warmup,active,repeat)", file=sys.stderr)
