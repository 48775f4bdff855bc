"""Termination terms: ``func(env, **params) -> (N,)`` bool; flag time limits ``time_out``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

if TYPE_CHECKING:
    from genelab.envs.rl_env import ManagerBasedRlEnv


def time_out(env: ManagerBasedRlEnv) -> torch.Tensor:
    """The episode reached ``max_episode_length`` (flag the term ``time_out=True``)."""
    return env.episode_length_buf >= env.max_episode_length


def joint_pos_out_of_bounds(env: ManagerBasedRlEnv, index: int, limit: float) -> torch.Tensor:
    """``|q[:, index]| > limit``."""
    return env.sim.joint_pos[:, index].abs() > limit


def joint_outside_range(env: ManagerBasedRlEnv, joint: str | int, low: float, high: float,
                        inclusive: bool = False) -> torch.Tensor:
    """Coordinate ``joint`` left the healthy range: not ``low < q < high`` (``<=`` with
    ``inclusive``). NaN is outside."""
    q = env.sim.joint_pos[:, env.sim.joint_index(joint)]
    if inclusive:
        return ~((low <= q) & (q <= high))
    return ~((low < q) & (q < high))


def state_outside_range(env: ManagerBasedRlEnv, low: float, high: float,
                        first: int = 0) -> torch.Tensor:
    """Any of the positions from coordinate ``first`` on or any velocity is not strictly
    inside ``(low, high)``; with infinite bounds, any state entry that is not finite."""
    state = torch.cat((env.sim.joint_pos[:, first:], env.sim.joint_vel), dim=1)
    return ~((low < state) & (state < high)).all(dim=1)
