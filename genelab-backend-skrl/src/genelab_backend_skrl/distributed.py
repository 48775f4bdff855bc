"""skrl's own distributed mode, on GeneLab's process group (``genelab train --gpus N``).

skrl decides at import whether a run is distributed (``WORLD_SIZE`` > 1) and then opens an
NCCL process group itself, which fails on CPU-only machines. :func:`skrl_distributed`
instead joins torchrun's group through core (NCCL on CUDA, gloo on CPU), imports skrl with
``WORLD_SIZE`` hidden and then switches skrl's distributed mode on, so its agents
broadcast the initial parameters from rank 0, all-reduce every gradient and the KL of the
learning-rate schedule, as skrl does on GPUs.

Two things skrl does not synchronise are made to here, so that every rank ends with the
same learner: running standard scalers (observation, state and value normalizers) are
built as :class:`genelab_backend_skrl.preprocessors.SynchronizedStandardScaler`, and SAC's
learned entropy coefficient gets its gradient averaged (:func:`synchronize_agent`).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from typing import Any

import torch
from genelab.rl.ranks import join_process_group, leave_process_group


@contextlib.contextmanager
def skrl_distributed(rank: int, world_size: int, device: str | torch.device) -> Iterator[None]:
    """Run skrl in distributed mode as ``rank`` of ``world_size`` inside the block."""
    join_process_group(device)
    skrl = _import_skrl_without_its_process_group()
    config = skrl.config.torch
    saved = config._rank, config._world_size, config._local_rank, config._is_distributed
    config._rank, config._world_size = rank, world_size
    config._local_rank, config._is_distributed = int(os.environ.get("LOCAL_RANK", "0")), True
    try:
        yield
    finally:
        config._rank, config._world_size, config._local_rank, config._is_distributed = saved
        leave_process_group()


def _import_skrl_without_its_process_group() -> Any:
    if "skrl" in sys.modules:
        return sys.modules["skrl"]
    world_size = os.environ.pop("WORLD_SIZE", None)
    try:
        import skrl
    finally:
        if world_size is not None:
            os.environ["WORLD_SIZE"] = world_size
    return skrl


def is_distributed() -> bool:
    """Whether skrl runs in distributed mode (inside :func:`skrl_distributed`)."""
    from skrl import config

    return config.torch.is_distributed


def synchronize_agent(agent: Any) -> None:
    """Average the gradient of what skrl's agent learns outside its models across ranks:
    SAC's log entropy coefficient (skrl all-reduces only the models' gradients)."""
    optimizer = getattr(agent, "entropy_optimizer", None)
    if optimizer is None:
        return
    step = optimizer.step

    def averaged_step(*args: Any, **kwargs: Any) -> Any:
        for group in optimizer.param_groups:
            for parameter in group["params"]:
                if parameter.grad is not None:
                    torch.distributed.all_reduce(parameter.grad)
                    parameter.grad /= torch.distributed.get_world_size()
        return step(*args, **kwargs)

    optimizer.step = averaged_step
