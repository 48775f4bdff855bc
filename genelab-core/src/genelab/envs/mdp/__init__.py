"""Reusable term functions: plain functions of the env, written against the engine
interface (:class:`genelab.sim.Simulation`), so they work on every engine that has what
they read. Write your own the same way.
"""

from genelab.envs.mdp.events import reset_joints_with_noise, reset_state_uniform
from genelab.envs.mdp.observations import (
    body_height,
    body_lin_vel,
    contact_forces,
    generated_command,
    joint_pos,
    joint_state,
    joint_vel,
    last_action,
    projected_gravity,
)
from genelab.envs.mdp.rewards import (
    action_l2,
    action_rate_l2,
    body_forward_velocity,
    contact_forces_l2,
    forward_velocity,
    is_alive,
    is_terminated,
    joint_pos_l2,
    joint_vel_l2,
)
from genelab.envs.mdp.terminations import (
    joint_outside_range,
    joint_pos_out_of_bounds,
    state_outside_range,
    time_out,
)

__all__ = [
    "action_l2",
    "action_rate_l2",
    "body_forward_velocity",
    "body_height",
    "body_lin_vel",
    "contact_forces",
    "contact_forces_l2",
    "forward_velocity",
    "generated_command",
    "is_alive",
    "is_terminated",
    "joint_outside_range",
    "joint_pos",
    "joint_pos_l2",
    "joint_pos_out_of_bounds",
    "joint_state",
    "joint_vel",
    "joint_vel_l2",
    "last_action",
    "projected_gravity",
    "reset_joints_with_noise",
    "reset_state_uniform",
    "state_outside_range",
    "time_out",
]
