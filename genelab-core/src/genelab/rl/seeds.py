"""``genelab train TASK --seeds 1,2,3 [--parallel K]``: one independent run per seed.

The parent checks everything a user can get wrong once (task, preset, overrides, the
``--gpus`` split), creates ONE parent directory
``<log_root>/<backend>/<experiment>/<stamp>[_<run_name>]_seeds`` and runs each seed as a
child ``genelab train ... --seed S --run-dir <parent>/seed_<S>`` (under torchrun with
``--gpus G``), at most ``parallel`` at once. A child's stdout and stderr go to
``<parent>/seed_<S>.log`` (beside its run: a child that fails before its first checkpoint
removes its run directory). The parent prints a line per seed as it ends, then a table
and the mean, std, min and max of the final mean return over the complete seeds (read
from each run's ``params/run.json`` ``result``), writes them to ``<parent>/seeds.json``
and fails, naming the seeds and their logs, when any seed did not complete.

Devices: with ``--gpus G`` on CUDA each running child sees its own ``G`` devices through
``CUDA_VISIBLE_DEVICES`` (:func:`device_slices`); each torchrun is ``--standalone``, so
its rendezvous takes a free port of its own. Ctrl-C (or SIGTERM) in the parent starts no
more seeds and forwards SIGINT to every running child, which saves its iteration and
stops; a second one is forwarded too (the children stop at once). The exit code is then
130. Children run in sessions of their own, so a terminal's Ctrl-C reaches them once,
through the parent.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import IO, Any

from genelab.devices import resolve_device
from genelab.errors import GenelabError
from genelab.files import write_json
from genelab.overrides import parse_override_args
from genelab.rl.launch import LAUNCHED_BY, envs_per_rank
from genelab.rl.setup import resolve_train
from genelab.runs import new_run_dir

#: Seconds between looks at the running children.
POLL_SECONDS = 0.2


def parse_seeds(text: str) -> list[int]:
    """``"1,2,3"``: a non-empty comma list of distinct integers, in the given order."""
    parts = [part.strip() for part in text.split(",")]
    try:
        seeds = [int(part) for part in parts]
    except ValueError:
        seeds = []
    if not seeds:
        raise GenelabError(f"--seeds must be a comma list of integers, e.g. 1,2,3 (got '{text}')")
    repeated = sorted({seed for seed in seeds if seeds.count(seed) > 1})
    if repeated:
        raise GenelabError(f"--seeds lists {', '.join(map(str, repeated))} more than once "
                           f"(got '{text}'); each seed is one run")
    return seeds


def check_seed_flags(given: dict[str, bool]) -> None:
    """Refuse flags that make no sense with ``--seeds`` (``given``: flag -> whether set)."""
    reasons = {
        "--seed": "--seeds gives each run its seed: drop --seed",
        "--resume": "--seeds starts fresh runs: drop --resume (continue one seed's run with "
                    "genelab train TASK --checkpoint <its run dir>)",
        "--checkpoint": "--seeds starts fresh runs: drop --checkpoint (continue one seed's "
                        "run with genelab train TASK --checkpoint <its run dir>)",
        "--nnodes": "--seeds trains on this machine: drop --nnodes",
        "--node-rank": "--seeds trains on this machine: drop --node-rank",
        "--rdzv-endpoint": "--seeds trains on this machine: drop --rdzv-endpoint",
    }
    for flag, reason in reasons.items():
        if given.get(flag):
            raise GenelabError(reason)


def visible_gpus() -> list[str]:
    """The CUDA devices this process may hand out: ``CUDA_VISIBLE_DEVICES`` when set, else
    every device torch sees (as indices)."""
    listed = os.environ.get("CUDA_VISIBLE_DEVICES")
    if listed is not None:
        return [device.strip() for device in listed.split(",") if device.strip()]
    import torch

    return [str(index) for index in range(torch.cuda.device_count())]


def device_slices(visible: Sequence[str], gpus: int, parallel: int) -> list[str]:
    """``CUDA_VISIBLE_DEVICES`` of each of ``parallel`` child slots: disjoint runs of
    ``gpus`` devices of ``visible``; a :class:`GenelabError` when there are too few."""
    if parallel * gpus > len(visible):
        raise GenelabError(f"--parallel {parallel} x --gpus {gpus} needs {parallel * gpus} "
                           f"GPUs; {len(visible)} are visible "
                           f"({','.join(visible) or 'none'}); lower --parallel or --gpus")
    return [",".join(visible[slot * gpus:(slot + 1) * gpus]) for slot in range(parallel)]


@dataclass
class SeedsRequest:
    """A ``genelab train --seeds`` command.

    ``forward`` holds the command's other flags and its dotted overrides as given, passed
    unchanged to every child; the remaining fields are the parsed values the parent checks
    (``override_args`` are the raw dotted overrides, also part of ``forward``).
    """

    task_id: str
    seeds: list[int]
    forward: list[str] = field(default_factory=list)
    parallel: int = 1
    gpus: int | None = None
    num_envs: int | None = None
    num_envs_per_gpu: int | None = None
    preset: str | None = None
    override_args: tuple[str, ...] = ()
    max_iterations: int | None = None
    device: str | None = None
    log_root: Path = Path("logs")
    run_name: str | None = None


@dataclass
class SeedRun:
    """One seed's child: where it writes, and how it ended (``code``, read ``info``)."""

    seed: int
    run_dir: Path
    log: Path
    command: list[str]
    code: int | None = None
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def status(self) -> str:
        """``complete``, ``interrupted``, ``failed`` (what the child's run.json says when
        it ended with a run, else from its exit code) or ``not started`` (interrupted)."""
        if self.code is None:
            return "not started"
        if self.code == 130:
            return "interrupted"
        if self.code != 0:
            return "failed"
        return str(self.info.get("status", "complete"))

    @property
    def result(self) -> dict[str, Any]:
        """The run's ``result`` in run.json (empty when it has none)."""
        return self.info.get("result") or {}

    def read_info(self) -> None:
        """Load ``params/run.json`` of the run, if the child left one."""
        try:
            self.info = json.loads((self.run_dir / "params" / "run.json").read_text())
        except (OSError, ValueError):
            self.info = {}

    def ending(self) -> str:
        """The line printed when the child ends."""
        if self.status == "failed":
            how = (f"killed by {signal.Signals(-self.code).name}" if self.code and self.code < 0
                   else f"exit {self.code}")
            last = _last_line(self.log)
            return f"seed {self.seed}: failed ({how}){': ' + last if last else ''}; " \
                   f"output: {self.log}"
        reward = self.result.get("mean_reward")
        return (f"seed {self.seed}: {self.status}, {self.result.get('iterations', '-')} "
                f"iterations, final mean return {_number(reward)}; run: {self.run_dir}")


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _last_line(path: Path) -> str:
    """The child's last line of output (its one-line error, typically)."""
    try:
        lines = [line.strip() for line in path.read_text(errors="replace").splitlines()]
    except OSError:
        return ""
    return next((line for line in reversed(lines) if line), "")


def train_seeds(request: SeedsRequest) -> int:
    """Check the request, run every seed and report; returns the exit code (0: every seed
    complete, 130: interrupted). Seeds that failed are a :class:`GenelabError` naming them
    and their logs, raised after the summary is printed."""
    if request.parallel < 1:
        raise GenelabError(f"--parallel must be at least 1 (got {request.parallel})")
    parallel = min(request.parallel, len(request.seeds))
    overrides = parse_override_args(list(request.override_args), ("env", "agent"))
    setup, *_ = [resolve_train(  # every seed is checked: a bad one fails here, once
        request.task_id, preset=request.preset, overrides=overrides,
        num_envs=request.num_envs if request.gpus is None else None,
        max_iterations=request.max_iterations, seed=seed, run_name=request.run_name,
        log_root=request.log_root) for seed in request.seeds]
    agent_cfg, backend = setup.agent_cfg, setup.info.backend
    slots: list[str | None] = [None] * parallel
    launcher = [sys.executable, "-m", "genelab", "train"]
    envs = request.num_envs
    if request.gpus is not None:
        if not backend.distributed:
            raise GenelabError(f"the {backend.name} backend trains in one process; drop --gpus")
        envs = envs_per_rank(request.gpus, request.num_envs, request.num_envs_per_gpu,
                             setup.env_cfg.num_envs)
        launcher = [sys.executable, "-m", "torch.distributed.run", "--standalone",
                    f"--nproc_per_node={request.gpus}", "-m", "genelab", "train"]
        if resolve_device(request.device).startswith("cuda"):
            slots = list(device_slices(visible_gpus(), request.gpus, parallel))
    else:
        resolve_device(request.device)
    parent = new_run_dir(request.log_root, backend.name, agent_cfg.experiment_name,
                         "_".join(filter(None, [agent_cfg.run_name, "seeds"])))
    head = [request.task_id, *(["--num-envs", str(envs)] if envs is not None else [])]
    runs = [SeedRun(seed, parent / f"seed_{seed}", parent / f"seed_{seed}.log",
                    [*launcher, *head, "--seed", str(seed), "--run-dir",
                     str(parent / f"seed_{seed}"), *request.forward])
            for seed in request.seeds]
    print(f"training {len(runs)} seeds, {parallel} at a time, into {parent}", flush=True)
    threads = max(1, (os.cpu_count() or 1) // (parallel * (request.gpus or 1)))
    environ = {**os.environ, LAUNCHED_BY: shlex.join(sys.argv)}
    environ.setdefault("OMP_NUM_THREADS", str(threads))
    interrupted = SeedPool(runs, slots, environ).run()
    summary = summarize(runs)
    write_json(parent / "seeds.json", summary)
    print(format_table(runs, summary), flush=True)
    if interrupted:
        return 130
    failed = [run for run in runs if run.status != "complete"]
    if failed:
        raise GenelabError(f"seed(s) {', '.join(str(run.seed) for run in failed)} did not "
                           f"complete; their output: {', '.join(str(r.log) for r in failed)}")
    return 0


class SeedPool:
    """Runs the children, ``len(slots)`` at once; each slot is the ``CUDA_VISIBLE_DEVICES``
    of the child in it (``None``: inherited)."""

    def __init__(self, runs: list[SeedRun], slots: list[str | None],
                 environ: dict[str, str]) -> None:
        self.pending = list(runs)
        self.slots = slots
        self.environ = environ
        self.running: dict[int, tuple[SeedRun, subprocess.Popen[bytes], IO[bytes]]] = {}
        self.signals = 0  # SIGINT / SIGTERM received
        self.forwarded: dict[int, int] = {}  # slot -> signals forwarded to its child

    def run(self) -> bool:
        """Run every seed (none more after a signal); whether a signal stopped them."""
        previous = {sig: signal.signal(sig, self._on_signal)
                    for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            while self.running or (self.pending and not self.signals):
                self._start_free_slots()
                self._forward_signals()
                time.sleep(POLL_SECONDS)
                self._collect()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            for _, process, log in self.running.values():  # only on an error of the parent
                process.kill()
                process.wait()
                log.close()
        return self.signals > 0

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.signals += 1

    def _start_free_slots(self) -> None:
        for slot, devices in enumerate(self.slots):
            if slot in self.running or not self.pending or self.signals:
                continue
            run = self.pending.pop(0)
            environ = dict(self.environ)
            if devices is not None:
                environ["CUDA_VISIBLE_DEVICES"] = devices
            log = run.log.open("wb")
            process = subprocess.Popen(run.command, stdin=subprocess.DEVNULL, stdout=log,
                                       stderr=subprocess.STDOUT, env=environ,
                                       start_new_session=True)
            self.running[slot] = (run, process, log)
            self.forwarded[slot] = self.signals

    def _forward_signals(self) -> None:
        for slot, (_, process, _) in self.running.items():
            while self.forwarded[slot] < self.signals:
                process.send_signal(signal.SIGINT)
                self.forwarded[slot] += 1

    def _collect(self) -> None:
        for slot, (run, process, log) in list(self.running.items()):
            code = process.poll()
            if code is None:
                continue
            del self.running[slot]
            log.close()
            run.code = code
            run.read_info()
            print(run.ending(), flush=True)


def summarize(runs: list[SeedRun]) -> dict[str, Any]:
    """What ``seeds.json`` holds: every seed's status, run and result, and the final mean
    return's mean, std (sample; ``None`` under two seeds), min and max over complete seeds."""
    returns = [run.result["mean_reward"] for run in runs
               if run.status == "complete" and run.result.get("mean_reward") is not None]
    return {
        "seeds": [{"seed": run.seed, "status": run.status, "run_dir": str(run.run_dir),
                   "log": str(run.log), "result": run.result} for run in runs],
        "final_return": {
            "seeds": len(returns),
            "mean": statistics.fmean(returns) if returns else None,
            "std": statistics.stdev(returns) if len(returns) > 1 else None,
            "min": min(returns, default=None), "max": max(returns, default=None)},
    }


def format_table(runs: list[SeedRun], summary: dict[str, Any]) -> str:
    """The summary table: a row per seed, then the final return over the complete seeds."""
    rows = [f"{'seed':>6}  {'status':<11}  {'iterations':>10}  {'final return':>12}"]
    for run in runs:
        rows.append(f"{run.seed:>6}  {run.status:<11}  {run.result.get('iterations', '-'):>10}"
                    f"  {_number(run.result.get('mean_reward')):>12}")
    final = summary["final_return"]
    rows.append(f"final return over {final['seeds']} complete seed(s): mean "
                f"{_number(final['mean'])}, std {_number(final['std'])}, min-max "
                f"{_number(final['min'])}..{_number(final['max'])}")
    return "\n".join(rows)
