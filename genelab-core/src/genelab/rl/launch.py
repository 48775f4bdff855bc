"""``genelab train TASK --gpus N``: relaunch the training command under torchrun.

The parent process checks everything a user can get wrong (task, preset, overrides,
backend, env split, checkpoint), creates ONE run directory and runs torchrun
(``--standalone --nproc_per_node=N -m genelab train ...``) with the per-rank env count,
that run directory and the resolved checkpoint. Each rank
seeds with ``seed + rank``; rank 0 alone writes params, TensorBoard events and
checkpoints (see :func:`genelab.rl.dispatch.train_task`). On CUDA rank ``r`` uses
``cuda:<local rank>``; on CPU the ranks synchronise over gloo, so the path runs anywhere.
"""

from __future__ import annotations

import logging
import os
import shlex
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from genelab.errors import GenelabError
from genelab.overrides import apply_overrides, parse_override_args
from genelab.registry import TASKS
from genelab.rl.registry import select_backend
from genelab.runs import experiment_dir, find_checkpoint, list_checkpoints, new_run_dir

#: Environment variable carrying the user's command line to the ranks (for run.json).
LAUNCHED_BY = "GENELAB_LAUNCHED_BY"


@dataclass
class LaunchRequest:
    """A ``genelab train`` command line to spread over ``gpus`` processes.

    ``override_args`` are the raw dotted overrides (``--env.sim.dt 0.01``...), forwarded
    unchanged; the other fields are the parsed ``train`` options.
    """

    task_id: str
    gpus: int
    num_envs: int | None = None
    num_envs_per_gpu: int | None = None
    preset: str | None = None
    override_args: tuple[str, ...] = ()
    max_iterations: int | None = None
    seed: int | None = None
    device: str | None = None
    log_root: Path = Path("logs")
    run_name: str | None = None
    resume: bool = False
    checkpoint: str | None = None
    run: str = "latest"
    profile: bool = False


def envs_per_rank(gpus: int, num_envs: int | None, num_envs_per_gpu: int | None,
                  default_total: int) -> int:
    """Envs each process simulates: ``--num-envs`` is the total, split evenly."""
    if gpus < 1:
        raise GenelabError(f"--gpus must be at least 1 (got {gpus})")
    if num_envs_per_gpu is not None:
        if num_envs is not None and num_envs != num_envs_per_gpu * gpus:
            raise GenelabError(f"--num-envs {num_envs} (total) contradicts --num-envs-per-gpu "
                               f"{num_envs_per_gpu} x --gpus {gpus}; give one of them")
        if num_envs_per_gpu < 1:
            raise GenelabError(f"--num-envs-per-gpu must be at least 1 (got {num_envs_per_gpu})")
        return num_envs_per_gpu
    total = default_total if num_envs is None else num_envs
    if total < gpus or total % gpus:
        raise GenelabError(f"--num-envs {total} (the total over all processes) does not split "
                           f"evenly over --gpus {gpus}; use a multiple of {gpus} or "
                           "--num-envs-per-gpu")
    return total // gpus


def torchrun_args(request: LaunchRequest, per_rank: int, run_dir: Path,
                  checkpoint: Path | None) -> list[str]:
    """torchrun's arguments for running ``genelab train`` on every rank."""
    args = [request.task_id, "--num-envs", str(per_rank), "--run-dir", str(run_dir)]
    for flag, value in (("--preset", request.preset), ("--max-iterations", request.max_iterations),
                        ("--seed", request.seed), ("--device", request.device),
                        ("--checkpoint", checkpoint)):
        if value is not None:
            args += [flag, str(value)]
    if request.profile:
        args.append("--profile")
    return ["--standalone", f"--nproc_per_node={request.gpus}", "-m", "genelab", "train",
            *args, *request.override_args]


def _run_ranks(args: list[str]) -> int:
    """Run torchrun in this process; the exit code of the first rank that failed, else 0.

    torchrun's own failure report (a traceback and a table) is not shown: the ranks
    already printed the one-line error. Ctrl-C reaches every rank, which saves a
    checkpoint, and comes back here as ``KeyboardInterrupt``.
    """
    from torch.distributed.elastic.multiprocessing.api import SignalException
    from torch.distributed.elastic.multiprocessing.errors import ChildFailedError
    from torch.distributed.run import parse_args, run

    for name in list(logging.root.manager.loggerDict):  # each of torch's sets its own level
        if name.startswith("torch.distributed.elastic"):
            logging.getLogger(name).setLevel(logging.CRITICAL)
    try:
        run(parse_args(args))
    except ChildFailedError as error:
        return max(1, error.get_first_failure()[1].exitcode)
    except SignalException:  # Ctrl-C: the ranks got it too and saved their checkpoint
        raise KeyboardInterrupt from None
    return 0


def launch(request: LaunchRequest) -> int:
    """Check the request, create the shared run directory and run every rank; returns the
    exit code. A launch that fails before its first checkpoint leaves no run directory."""
    task = TASKS.get(request.task_id)
    agent_cfg = task.agent_cfg(request.preset)
    backend = select_backend(agent_cfg).backend
    apply_overrides({"env": task.env, "agent": agent_cfg},
                    parse_override_args(list(request.override_args), ("env", "agent")))
    if not backend.distributed:
        raise GenelabError(f"the {backend.name} backend trains in one process; drop --gpus")
    per_rank = envs_per_rank(request.gpus, request.num_envs, request.num_envs_per_gpu,
                             task.env.num_envs)
    checkpoint = None
    if request.resume or request.checkpoint:
        parent = experiment_dir(request.log_root, backend.name, agent_cfg.experiment_name)
        checkpoint = find_checkpoint(request.checkpoint or "latest", parent, request.run,
                                     backend.checkpoint_pattern).resolve()
    run_name = request.run_name if request.run_name is not None else agent_cfg.run_name
    run_dir = new_run_dir(request.log_root, backend.name, agent_cfg.experiment_name, run_name)
    # the ranks inherit these: threads per rank (torchrun would pick 1) and the command line
    os.environ.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // request.gpus)))
    os.environ[LAUNCHED_BY] = shlex.join(sys.argv)
    code = _run_ranks(torchrun_args(request, per_rank, run_dir.resolve(), checkpoint))
    if code != 0 and not list_checkpoints(run_dir, backend.checkpoint_pattern):
        shutil.rmtree(run_dir, ignore_errors=True)
    return code
