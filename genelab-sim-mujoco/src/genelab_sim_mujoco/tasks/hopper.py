"""GeneLab-Hopper-v0: gymnasium's Hopper-v5 MDP on the MuJoCo engine."""

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

DT, FRAME_SKIP = 0.002, 4


def env_cfg(num_envs: int = 64) -> ManagerBasedRlEnvCfg:
    """Observation ``qpos[1:]`` and ``clip(qvel, -10, 10)`` (11); reward ``x velocity + 1
    (healthy) - 1e-3 |a|^2``; terminated unless ``z > 0.7``, ``|angle| < 0.2`` and the
    rest of the state in ``(-100, 100)``; reset ``U(-5e-3, 5e-3)`` on both."""
    return ManagerBasedRlEnvCfg(
        sim=gymnasium_model("hopper.xml", DT, MujocoRenderCfg(track_body="torso", distance=3.0)),
        num_envs=num_envs,
        decimation=FRAME_SKIP,
        episode_length_s=horizon_s(DT, FRAME_SKIP),
        actions=motor_actions(3),
        observations={"policy": ObservationGroupCfg(terms={
            "joint_pos": ObservationTermCfg(func=mdp.joint_pos, params={"first": 1}),
            "joint_vel": ObservationTermCfg(func=mdp.joint_vel, clip=(-10.0, 10.0)),
        })},
        rewards={
            "forward": RewardTermCfg(func=mdp.forward_velocity, params={"joint": "rootx"},
                                     weight=1.0),
            "healthy": RewardTermCfg(func=mdp.is_alive, weight=1.0),
            "control": RewardTermCfg(func=mdp.action_l2, weight=-1e-3),
        },
        terminations={
            "time_out": time_limit(),
            "fell": TerminationTermCfg(func=mdp.joint_outside_range, params={
                "joint": "rootz", "low": 0.7, "high": math.inf}),
            "tilted": TerminationTermCfg(func=mdp.joint_outside_range, params={
                "joint": "rooty", "low": -0.2, "high": 0.2}),
            "state_out_of_range": TerminationTermCfg(func=mdp.state_outside_range, params={
                "low": -100.0, "high": 100.0, "first": 2}),
        },
        events={"reset_joints": EventTermCfg(func=mdp.reset_joints_with_noise, params={
            "pos_noise": 5e-3, "vel_noise": 5e-3})},
    )


def make_task() -> TaskCfg:
    """The registered task (see :func:`locomotion_task`)."""
    return locomotion_task("GeneLab-Hopper-v0", env_cfg,
                           "Hop forward on one leg without falling (gymnasium Hopper-v5 MDP).")
