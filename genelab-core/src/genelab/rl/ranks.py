"""Training on several processes (``genelab train --gpus N``): the process group and a
check that every rank ends with the same learner.

torchrun starts one process per rank with ``RANK``, ``WORLD_SIZE``, ``MASTER_ADDR`` and
``MASTER_PORT`` set (:mod:`genelab.rl.launch`). A backend whose library does not join the
process group itself calls :func:`join_process_group` (NCCL between CUDA devices, gloo
between CPU processes) and :func:`leave_process_group` when it is done. Data-parallel
learners all-reduce their gradients, so all ranks must hold bit-identical parameters at
every step; :meth:`genelab.rl.TrainContext.check_ranks_agree` verifies that at the end.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import torch

from genelab.errors import GenelabError


def join_process_group(device: str | torch.device) -> None:
    """Join torchrun's process group unless this process is in one already.

    On CUDA the rank's ``device`` becomes the current device first: NCCL's object
    collectives (broadcasts of parameters, :func:`agree_across_ranks`) put their tensors
    on the current device, which would otherwise be ``cuda:0`` on every rank.
    """
    import torch.distributed as dist

    if dist.is_initialized():
        return
    device = torch.device(device)
    if device.type == "cuda":
        if device.index is None:
            device = torch.device("cuda", torch.cuda.current_device())
        torch.cuda.set_device(device)
        dist.init_process_group("nccl", device_id=device)
    else:
        dist.init_process_group("gloo")


def leave_process_group() -> None:
    """Leave the process group (without this gloo aborts the process at exit)."""
    import torch.distributed as dist

    if dist.is_initialized():
        dist.destroy_process_group()


def state_digest(state: Any) -> str:
    """SHA-256 of every tensor and plain value in a nested state (dicts in key order),
    names, dtypes and shapes included: equal digests mean bit-identical states."""
    digest = hashlib.sha256()
    _feed(digest, "", state)
    return digest.hexdigest()


def _feed(digest: Any, name: str, value: Any) -> None:
    if isinstance(value, Mapping):
        for key in sorted(value, key=str):
            _feed(digest, f"{name}/{key}", value[key])
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _feed(digest, f"{name}[{i}]", item)
    elif isinstance(value, torch.Tensor):
        tensor = value.detach().cpu().contiguous()
        digest.update(f"{name}:{tensor.dtype}:{tuple(tensor.shape)}".encode())
        digest.update(tensor.reshape(-1).view(torch.uint8).numpy().tobytes())
    else:
        digest.update(f"{name}={value!r}".encode())


def agree_across_ranks(state: Any, what: str) -> str:
    """The :func:`state_digest` of ``state``, the same on every rank of the process group;
    a :class:`GenelabError` naming the ranks whose ``what`` differs from rank 0's."""
    import torch.distributed as dist

    mine = state_digest(state)
    digests: list[str | None] = [None] * dist.get_world_size()
    dist.all_gather_object(digests, mine)
    differing = [rank for rank, digest in enumerate(digests) if digest != digests[0]]
    if differing:
        ranks = ", ".join(map(str, differing))
        raise GenelabError(f"{what} differs between the ranks after training: rank(s) {ranks} "
                           "disagree with rank 0, so the processes did not learn together")
    return mine
