"""GeneLab-HalfCheetah-v0: gymnasium's HalfCheetah-v5 MDP on the MuJoCo engine."""

from __future__ import annotations

from genelab.configs import TaskCfg
from genelab.envs import (
    EventTermCfg,
    ManagerBasedRlEnvCfg,
    ObservationGroupCfg,
    ObservationTermCfg,
    RewardTermCfg,
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
    """Observation ``qpos[1:]`` and ``qvel`` (17); reward ``x velocity - 0.1 |a|^2``; no
    termination, 1000 steps; reset ``qpos0 + U(-0.1, 0.1)``, ``qvel = 0.1 N(0, 1)``."""
    return ManagerBasedRlEnvCfg(
        sim=gymnasium_model("half_cheetah.xml", DT,
                            MujocoRenderCfg(track_body="torso", distance=4.0, elevation=-10.0)),
        num_envs=num_envs,
        decimation=FRAME_SKIP,
        episode_length_s=horizon_s(DT, FRAME_SKIP),
        actions=motor_actions(6),
        observations={"policy": ObservationGroupCfg(terms={
            "joint_pos": ObservationTermCfg(func=mdp.joint_pos, params={"first": 1}),
            "joint_vel": ObservationTermCfg(func=mdp.joint_vel),
        })},
        rewards={
            "forward": RewardTermCfg(func=mdp.forward_velocity, params={"joint": "rootx"},
                                     weight=1.0),
            "control": RewardTermCfg(func=mdp.action_l2, weight=-0.1),
        },
        terminations={"time_out": time_limit()},
        events={"reset_joints": EventTermCfg(func=mdp.reset_joints_with_noise, params={
            "pos_noise": 0.1, "vel_noise": 0.1, "vel_distribution": "normal"})},
    )


def make_task() -> TaskCfg:
    """The registered task (see :func:`locomotion_task`)."""
    return locomotion_task("GeneLab-HalfCheetah-v0", env_cfg,
                           "Run a planar cheetah forward as fast as possible (gymnasium "
                           "HalfCheetah-v5 MDP).")
