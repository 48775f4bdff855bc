"""Reward terms: ``func(env, **params) -> (N,)``, weighted by the term's ``weight``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from genelab.constraints import Bounds

if TYPE_CHECKING:
    from genelab.envs.rl_env import ManagerBasedRlEnv


def is_alive(env: ManagerBasedRlEnv) -> torch.Tensor:
    """1 for envs that did not terminate this step (time-outs count as alive)."""
    return ~env.termination_manager.terminated


def is_terminated(env: ManagerBasedRlEnv) -> torch.Tensor:
    """1 for envs that terminated this step (not time-outs)."""
    return env.termination_manager.terminated


def joint_pos_l2(env: ManagerBasedRlEnv, index: int) -> torch.Tensor:
    """Squared generalized position ``q[:, index]**2``."""
    return env.sim.joint_pos[:, index].square()


def joint_vel_l2(env: ManagerBasedRlEnv, index: int) -> torch.Tensor:
    """Squared generalized velocity ``qd[:, index]**2``."""
    return env.sim.joint_vel[:, index].square()


def action_l2(env: ManagerBasedRlEnv) -> torch.Tensor:
    """Squared norm of the applied (clipped, scaled) action: the control cost."""
    return env.action_manager.processed_action.square().sum(dim=1)


def action_rate_l2(env: ManagerBasedRlEnv) -> torch.Tensor:
    """Squared norm of the change of the raw action since the previous step."""
    manager = env.action_manager
    return (manager.action - manager.previous_action).square().sum(dim=1)


def forward_velocity(env: ManagerBasedRlEnv, joint: str | int = 0) -> torch.Tensor:
    """Velocity of coordinate ``joint`` over the env step, by finite difference of its
    position (what gymnasium's runners reward: ``(x_after - x_before) / dt``)."""
    index = env.sim.joint_index(joint)
    moved = env.sim.joint_pos[:, index] - env.sim.previous_joint_pos[:, index]
    return moved / env.step_dt


def body_forward_velocity(env: ManagerBasedRlEnv, body: str | int,
                          axis: int = 0) -> torch.Tensor:
    """Velocity of ``body``'s frame along world ``axis`` over the env step, by finite
    difference of its position."""
    index = env.sim.body_index(body)
    moved = env.sim.body_pos_w[:, index, axis] - env.sim.previous_body_pos_w[:, index, axis]
    return moved / env.step_dt


def contact_forces_l2(env: ManagerBasedRlEnv, clip: Bounds = (-1.0, 1.0)) -> torch.Tensor:
    """Sum of the squared contact wrenches of every body, each entry clipped to ``clip``."""
    return env.sim.contact_forces.clamp(*clip).square().flatten(1).sum(dim=1)
