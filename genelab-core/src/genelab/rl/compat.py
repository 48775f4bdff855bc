"""Checks that a checkpoint fits the env and the agent config, for every backend.

Each failure is a :class:`GenelabError` naming the checkpoint and both shapes, e.g.
"checkpoint model_50.pt expects 4 policy observations but GeneLab-Pendulum-v0 gives 3".
No torch import: state dicts are compared through their tensors' ``shape``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from genelab.errors import GenelabError


def check_io_sizes(checkpoint: Path, task_id: str, *, observations: tuple[int, int] | None = None,
                   actions: tuple[int, int] | None = None, groups: str = "policy") -> None:
    """Compare ``(saved, built)`` observation and action sizes.

    ``groups`` names the observation groups in the message (``"policy"``,
    ``"policy+critic"``, ``"achieved_goal"``...).
    """
    if observations is not None and observations[0] != observations[1]:
        raise GenelabError(f"checkpoint {checkpoint.name} expects {observations[0]} {groups} "
                           f"observations but {task_id} gives {observations[1]}")
    if actions is not None and actions[0] != actions[1]:
        raise GenelabError(f"checkpoint {checkpoint.name} outputs {actions[0]} actions but "
                           f"{task_id} takes {actions[1]}")


def check_state_dict(expected: Mapping[str, Any], saved: Mapping[str, Any], *, what: str,
                     checkpoint: Path, task_id: str) -> None:
    """Check that ``saved`` has exactly the keys and shapes of ``expected`` (what the agent
    config builds); ``what`` names the network in the message."""
    name = checkpoint.name
    if set(expected) != set(saved):
        missing = sorted(set(expected) - set(saved))
        extra = sorted(set(saved) - set(expected))
        raise GenelabError(
            f"checkpoint {name} holds a different {what} than the agent config "
            f"(missing: {', '.join(missing) or '-'}; unexpected: {', '.join(extra) or '-'})")
    for key, tensor in expected.items():
        if tuple(saved[key].shape) != tuple(tensor.shape):
            raise GenelabError(
                f"checkpoint {name}: {what} parameter {key} has shape "
                f"{tuple(saved[key].shape)} but the agent config for {task_id} builds "
                f"{tuple(tensor.shape)}")
