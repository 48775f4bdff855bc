"""``genelab train TASK --gpus N``: relaunch the training command under torchrun.

The parent process checks everything a user can get wrong (task, preset, overrides,
backend, env split, checkpoint), creates ONE run directory and runs torchrun
(``--standalone --nproc_per_node=N -m genelab train ...``) with the per-rank env count,
that run directory and the resolved checkpoint. With ``--nnodes`` / ``--node-rank`` /
``--rdzv-endpoint`` the same command on every node joins one static rendezvous; node 0
owns the run directory (checkpoints to resume from must be on a shared file system).
Each rank seeds with ``seed + rank``; rank 0 alone writes params, TensorBoard events and
checkpoints (see :func:`genelab.rl.dispatch.train_task`). On CUDA a rank uses
``cuda:<local rank>``; on CPU the ranks synchronise over gloo, so the path runs anywhere.
"""

from __future__ import annotations

import logging
import os
import shlex
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from genelab.devices import resolve_device
from genelab.errors import GenelabError
from genelab.files import existing_ancestor, remove_tree
from genelab.overrides import parse_override_args
from genelab.rl.setup import resolve_train
from genelab.runs import list_checkpoints, new_run_dir

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
    video_every: int | None = None
    video_length: int | None = None
    nnodes: int = 1
    node_rank: int = 0
    rdzv_endpoint: str | None = None

    def check_nodes(self) -> None:
        """Multi-node settings: ``--node-rank`` in range, a rendezvous endpoint when needed."""
        if self.nnodes < 1:
            raise GenelabError(f"--nnodes must be at least 1 (got {self.nnodes})")
        if not 0 <= self.node_rank < self.nnodes:
            raise GenelabError(f"--node-rank must be between 0 and {self.nnodes - 1} "
                               f"(got {self.node_rank})")
        if self.nnodes > 1 and not self.rdzv_endpoint:
            raise GenelabError("training on several nodes needs --rdzv-endpoint HOST:PORT "
                               "(the address of node 0, the same on every node)")

    @property
    def processes(self) -> str:
        """How the process count reads in messages: ``--gpus 2`` or ``--gpus 2 x --nnodes 3``."""
        nodes = f" x --nnodes {self.nnodes}" if self.nnodes > 1 else ""
        return f"--gpus {self.gpus}{nodes}"


def envs_per_rank(processes: int, num_envs: int | None, num_envs_per_gpu: int | None,
                  default_total: int, label: str = "") -> int:
    """Envs each of ``processes`` simulates: ``--num-envs`` is the total, split evenly.

    ``label`` names the process count in messages (default ``--gpus <processes>``).
    """
    label = label or f"--gpus {processes}"
    if processes < 1:
        raise GenelabError(f"--gpus must be at least 1 (got {processes})")
    if num_envs_per_gpu is not None:
        if num_envs is not None and num_envs != num_envs_per_gpu * processes:
            raise GenelabError(f"--num-envs {num_envs} (total) contradicts --num-envs-per-gpu "
                               f"{num_envs_per_gpu} x {label}; give one of them")
        if num_envs_per_gpu < 1:
            raise GenelabError(f"--num-envs-per-gpu must be at least 1 (got {num_envs_per_gpu})")
        return num_envs_per_gpu
    total = default_total if num_envs is None else num_envs
    if total < processes or total % processes:
        raise GenelabError(f"--num-envs {total} (the total over all processes) does not split "
                           f"evenly over {label}; use a multiple of {processes} or "
                           "--num-envs-per-gpu")
    return total // processes


def torchrun_args(request: LaunchRequest, per_rank: int, run_dir: Path,
                  checkpoint: Path | None) -> list[str]:
    """torchrun's arguments for running ``genelab train`` on every rank."""
    args = [request.task_id, "--num-envs", str(per_rank), "--run-dir", str(run_dir)]
    for flag, value in (("--preset", request.preset), ("--max-iterations", request.max_iterations),
                        ("--seed", request.seed), ("--device", request.device),
                        ("--checkpoint", checkpoint), ("--video-every", request.video_every),
                        ("--video-length", request.video_length)):
        if value is not None:
            args += [flag, str(value)]
    if request.profile:
        args.append("--profile")
    if request.nnodes == 1:
        nodes = ["--standalone"]
    else:  # static rendezvous: node 0's first process is rank 0, the one that writes
        nodes = [f"--nnodes={request.nnodes}", f"--node-rank={request.node_rank}",
                 f"--rdzv-endpoint={request.rdzv_endpoint}"]
    return [*nodes, f"--nproc_per_node={request.gpus}", "-m", "genelab", "train",
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
    setup = resolve_train(
        request.task_id, preset=request.preset,
        overrides=parse_override_args(list(request.override_args), ("env", "agent")),
        max_iterations=request.max_iterations, seed=request.seed, run_name=request.run_name,
        log_root=request.log_root, resume=request.resume, checkpoint=request.checkpoint,
        run=request.run)
    agent_cfg, backend = setup.agent_cfg, setup.info.backend
    if not backend.distributed:
        raise GenelabError(f"the {backend.name} backend trains in one process; drop --gpus")
    request.check_nodes()
    per_rank = envs_per_rank(request.gpus * request.nnodes, request.num_envs,
                             request.num_envs_per_gpu, setup.env_cfg.num_envs, request.processes)
    resolve_device(request.device)  # each rank picks its own GPU of this kind
    # every node reads the checkpoint (a shared file system)
    checkpoint = setup.resume_from.resolve() if setup.resume_from else None
    keep = existing_ancestor(request.log_root / backend.name / agent_cfg.experiment_name)
    if request.node_rank == 0:
        run_dir = new_run_dir(request.log_root, backend.name, agent_cfg.experiment_name,
                              agent_cfg.run_name)
    else:  # ranks of other nodes never write: a scratch directory stands in
        run_dir = Path(tempfile.mkdtemp(prefix="genelab-rank-"))
    # the ranks inherit these: threads per rank (torchrun would pick 1) and the command line
    os.environ.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // request.gpus)))
    os.environ[LAUNCHED_BY] = shlex.join(sys.argv)
    try:
        code = _run_ranks(torchrun_args(request, per_rank, run_dir.resolve(), checkpoint))
    finally:
        if request.node_rank != 0:
            shutil.rmtree(run_dir, ignore_errors=True)
    if code != 0 and not list_checkpoints(run_dir, backend.checkpoint_pattern):
        remove_tree(run_dir, keep)
    if code == 0 and request.node_rank != 0:
        print(f"node {request.node_rank} of {request.nnodes}: done "
              "(node 0 wrote the run directory)")
    return code
