"""Reusable term functions: write your own the same way (plain functions of the env)."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import TYPE_CHECKING

import torch

if TYPE_CHECKING:
    from genelab.envs.rl_env import ManagerBasedRlEnv


# -- observations ----------------------------------------------------------------------

def joint_pos(env: ManagerBasedRlEnv) -> torch.Tensor:
    """Generalized positions ``q`` ``(N, nq)``."""
    return env.sim.model.q


def joint_state(env: ManagerBasedRlEnv) -> torch.Tensor:
    """The whole state ``(q, qd)`` ``(N, 2 * nq)`` (one contiguous copy: cheapest)."""
    return env.sim.model.state


def joint_vel(env: ManagerBasedRlEnv) -> torch.Tensor:
    """Generalized velocities ``qd`` ``(N, nq)``."""
    return env.sim.model.qd


def generated_command(env: ManagerBasedRlEnv, name: str) -> torch.Tensor:
    """The command ``name`` ``(N, dim)``."""
    return env.command_manager.get(name)


def last_action(env: ManagerBasedRlEnv) -> torch.Tensor:
    """The raw action of the last step ``(N, action_dim)``."""
    return env.action_manager.action


# -- rewards -------------------------------------------------------------------------------

def is_alive(env: ManagerBasedRlEnv) -> torch.Tensor:
    """1 for envs that did not terminate this step (time-outs count as alive)."""
    return ~env.termination_manager.terminated


def is_terminated(env: ManagerBasedRlEnv) -> torch.Tensor:
    """1 for envs that terminated this step (not time-outs)."""
    return env.termination_manager.terminated


def joint_pos_l2(env: ManagerBasedRlEnv, index: int) -> torch.Tensor:
    """Squared generalized position ``q[:, index]**2``."""
    return env.sim.model.q[:, index].square()


def joint_vel_l2(env: ManagerBasedRlEnv, index: int) -> torch.Tensor:
    """Squared generalized velocity ``qd[:, index]**2``."""
    return env.sim.model.qd[:, index].square()


def action_l2(env: ManagerBasedRlEnv) -> torch.Tensor:
    """Squared norm of the applied (clipped, scaled) action."""
    return env.action_manager.processed_action.square().sum(dim=1)


# -- terminations --------------------------------------------------------------------------

def time_out(env: ManagerBasedRlEnv) -> torch.Tensor:
    """The episode reached ``max_episode_length`` (flag the term ``time_out=True``)."""
    return env.episode_length_buf >= env.max_episode_length


def joint_pos_out_of_bounds(env: ManagerBasedRlEnv, index: int, limit: float) -> torch.Tensor:
    """``|q[:, index]| > limit``."""
    return env.sim.model.q[:, index].abs() > limit


# -- events --------------------------------------------------------------------------------

def reset_state_uniform(env: ManagerBasedRlEnv, env_ids: torch.Tensor,
                        pos_range: Sequence[tuple[float, float]],
                        vel_range: Sequence[tuple[float, float]]) -> None:
    """Set ``q`` and ``qd`` of ``env_ids`` uniformly within per-coordinate ``(low, high)``."""
    low, high = _bounds(tuple(map(tuple, (*pos_range, *vel_range))), env.device)
    draw = torch.rand(env_ids.numel(), low.numel(), generator=env.generator, device=env.device)
    env.sim.state.index_copy_(0, env_ids, torch.lerp(low, high, draw))


@functools.lru_cache(maxsize=256)
def _bounds(ranges: tuple[tuple[float, float], ...],
            device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """``(low, high)`` tensors of ``(low, high)`` pairs, built once per distinct ranges."""
    low, high = torch.tensor(ranges, device=device).T.contiguous()
    return low, high
