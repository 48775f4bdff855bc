"""Observation terms: ``func(env, **params) -> (N, k)``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

if TYPE_CHECKING:
    from genelab.envs.rl_env import ManagerBasedRlEnv


def joint_pos(env: ManagerBasedRlEnv, first: int = 0) -> torch.Tensor:
    """Generalized positions from coordinate ``first`` on, ``(N, nq - first)`` (``first``
    skips root coordinates such as the x position of a runner)."""
    return env.sim.joint_pos[:, first:]


def joint_vel(env: ManagerBasedRlEnv, first: int = 0) -> torch.Tensor:
    """Generalized velocities from coordinate ``first`` on, ``(N, nv - first)``."""
    return env.sim.joint_vel[:, first:]


def joint_state(env: ManagerBasedRlEnv) -> torch.Tensor:
    """Positions and velocities side by side ``(N, nq + nv)``."""
    return env.sim.joint_state()


def body_height(env: ManagerBasedRlEnv, body: str | int) -> torch.Tensor:
    """World height (z) of ``body``'s frame ``(N, 1)``."""
    return env.sim.body_pos_w[:, env.sim.body_index(body), 2:3]


def body_lin_vel(env: ManagerBasedRlEnv, body: str | int) -> torch.Tensor:
    """Linear velocity of ``body`` in the world frame ``(N, 3)``."""
    return env.sim.body_vel_w[:, env.sim.body_index(body), 3:6]


def projected_gravity(env: ManagerBasedRlEnv, body: str | int) -> torch.Tensor:
    """The unit gravity direction ``(0, 0, -1)`` seen from ``body``'s frame ``(N, 3)``
    (``(0, 0, -1)`` when upright): how the body is tilted."""
    quat = env.sim.body_quat_w[:, env.sim.body_index(body)]
    w, xyz = quat[:, :1], quat[:, 1:]
    gravity = torch.zeros_like(xyz)
    gravity[:, 2] = -1.0
    # rotate by the conjugate quaternion: v' = v - 2w (u x v) + 2 u x (u x v), u = xyz
    cross = torch.linalg.cross(xyz, gravity)
    return gravity - 2.0 * w * cross + 2.0 * torch.linalg.cross(xyz, cross)


def contact_forces(env: ManagerBasedRlEnv, first_body: int = 0) -> torch.Tensor:
    """External contact wrenches of the bodies from ``first_body`` on, flattened
    ``(N, 6 * bodies)`` (bound them with the term's ``clip``)."""
    return env.sim.contact_forces[:, first_body:].flatten(1)


def generated_command(env: ManagerBasedRlEnv, name: str) -> torch.Tensor:
    """The command ``name`` ``(N, dim)``."""
    return env.command_manager.get(name)


def last_action(env: ManagerBasedRlEnv) -> torch.Tensor:
    """The raw action of the last step ``(N, action_dim)``."""
    return env.action_manager.action
