"""Bridges: objects called around every env step (video, teleop, live plots, ...)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

import torch

if TYPE_CHECKING:
    from genelab.envs.rl_env import ManagerBasedRlEnv


class StepResult(NamedTuple):
    """What :meth:`ManagerBasedRlEnv.step` returns (unpacks like the plain 5-tuple)."""

    obs: dict[str, torch.Tensor]
    reward: torch.Tensor
    terminated: torch.Tensor
    truncated: torch.Tensor
    extras: dict[str, Any]


class Bridge:
    """Base class of bridges; override the hooks you need (all default to no-ops).

    Attach with :meth:`ManagerBasedRlEnv.add_bridge`; the env calls :meth:`on_build`
    when it is attached, :meth:`pre_step` / :meth:`post_step` around every step and
    :meth:`close` exactly once, from a ``finally`` block of its owner.
    """

    def on_build(self, env: ManagerBasedRlEnv) -> None:
        """The env is built and reset."""

    def pre_step(self, env: ManagerBasedRlEnv, action: torch.Tensor) -> None:
        """Before the env applies ``action``."""

    def post_step(self, env: ManagerBasedRlEnv, result: StepResult) -> None:
        """After the step (``result.obs`` is post auto-reset)."""

    def close(self) -> None:
        """Release resources (files, windows)."""
