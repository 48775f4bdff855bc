"""GeneLab-Ant-v0: gymnasium's Ant-v5 MDP on the MuJoCo engine."""

from __future__ import annotations

import math

from genelab.configs import TaskCfg
from genelab.envs import (
    EventTermCfg,
    ManagerBasedRlEnvCfg,
    ObservationGroupCfg,
    ObservationTermCfg,
    RewardTermCfg,
    TerminationTermCfg,
    mdp,
)

from genelab_sim_mujoco.config import MujocoRenderCfg
from genelab_sim_mujoco.tasks import (
    gymnasium_model,
    horizon_s,
    locomotion_task,
    motor_actions,
    time_limit,
)

DT, FRAME_SKIP = 0.01, 5


def env_cfg(num_envs: int = 64) -> ManagerBasedRlEnvCfg:
    """Observation ``qpos[2:]``, ``qvel`` and ``clip(cfrc_ext[1:], -1, 1)`` (105); reward
    torso x velocity ``+ 1 (healthy) - 0.5 |a|^2 - 5e-4 |clip(cfrc_ext)|^2``;
    terminated unless the state is finite and ``0.2 <= z <= 1``; reset ``qpos0 +
    U(-0.1, 0.1)``, ``qvel = 0.1 N(0, 1)``."""
    return ManagerBasedRlEnvCfg(
        sim=gymnasium_model("ant.xml", DT, MujocoRenderCfg(track_body="torso", distance=4.0)),
        num_envs=num_envs,
        decimation=FRAME_SKIP,
        episode_length_s=horizon_s(DT, FRAME_SKIP),
        actions=motor_actions(8),
        observations={"policy": ObservationGroupCfg(terms={
            "joint_pos": ObservationTermCfg(func=mdp.joint_pos, params={"first": 2}),
            "joint_vel": ObservationTermCfg(func=mdp.joint_vel),
            "contact_forces": ObservationTermCfg(func=mdp.contact_forces,
                                                 params={"first_body": 1}, clip=(-1.0, 1.0)),
        })},
        rewards={
            "forward": RewardTermCfg(func=mdp.body_forward_velocity,
                                     params={"body": "torso", "axis": 0}, weight=1.0),
            "healthy": RewardTermCfg(func=mdp.is_alive, weight=1.0),
            "control": RewardTermCfg(func=mdp.action_l2, weight=-0.5),
            "contact": RewardTermCfg(func=mdp.contact_forces_l2, params={"clip": (-1.0, 1.0)},
                                     weight=-5e-4),
        },
        terminations={
            "time_out": time_limit(),
            "height_out_of_range": TerminationTermCfg(func=mdp.joint_outside_range, params={
                "joint": "root_2", "low": 0.2, "high": 1.0, "inclusive": True}),
            "not_finite": TerminationTermCfg(func=mdp.state_outside_range, params={
                "low": -math.inf, "high": math.inf}),
        },
        events={"reset_joints": EventTermCfg(func=mdp.reset_joints_with_noise, params={
            "pos_noise": 0.1, "vel_noise": 0.1, "vel_distribution": "normal"})},
    )


def make_task() -> TaskCfg:
    """The registered task (see :func:`locomotion_task`)."""
    return locomotion_task("GeneLab-Ant-v0", env_cfg,
                           "Walk a four-legged ant forward without flipping (gymnasium Ant-v5 MDP).")
