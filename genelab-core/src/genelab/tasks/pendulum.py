"""GeneLab-Pendulum-v0: swing a pendulum up and hold it (gymnasium Pendulum-like)."""

from __future__ import annotations

import math

import torch

from genelab.configs import TaskCfg
from genelab.envs import (
    ActionTermCfg,
    EventTermCfg,
    ManagerBasedRlEnv,
    ManagerBasedRlEnvCfg,
    ObservationGroupCfg,
    ObservationTermCfg,
    RewardTermCfg,
    TerminationTermCfg,
    mdp,
)
from genelab.sim import TorchSimulationCfg
from genelab.sim.models import PendulumCfg


def angle_cos_sin(env: ManagerBasedRlEnv) -> torch.Tensor:
    """``(cos theta, sin theta)`` of the pendulum angle."""
    theta = env.sim.joint_pos[:, 0]
    return torch.stack((theta.cos(), theta.sin()), dim=1)


def angle_from_upright_l2(env: ManagerBasedRlEnv) -> torch.Tensor:
    """Squared angle to upright, wrapped to ``[-pi, pi)``."""
    theta = env.sim.joint_pos[:, 0]
    return torch.remainder(theta + math.pi, 2 * math.pi).sub_(math.pi).square_()


def env_cfg(num_envs: int = 16) -> ManagerBasedRlEnvCfg:
    """Observations ``(cos, sin, theta_dot)``, torque up to 2 N m, 200 steps of 0.05 s.

    Reward per step: ``-(angle^2 + 0.1 theta_dot^2 + 0.001 torque^2)`` in ``[-16.3, 0]``.
    """
    return ManagerBasedRlEnvCfg(
        sim=TorchSimulationCfg(model=PendulumCfg(), dt=0.05),
        num_envs=num_envs,
        decimation=1,
        episode_length_s=10.0,
        actions={"torque": ActionTermCfg(dim=1, scale=2.0)},
        observations={"policy": ObservationGroupCfg(terms={
            "angle": ObservationTermCfg(func=angle_cos_sin),
            "angle_vel": ObservationTermCfg(func=mdp.joint_vel),
        })},
        rewards={
            "angle": RewardTermCfg(func=angle_from_upright_l2, weight=-1.0),
            "angle_vel": RewardTermCfg(func=mdp.joint_vel_l2, params={"index": 0}, weight=-0.1),
            "torque": RewardTermCfg(func=mdp.action_l2, weight=-0.001),
        },
        terminations={"time_out": TerminationTermCfg(func=mdp.time_out, time_out=True)},
        events={"reset_state": EventTermCfg(func=mdp.reset_state_uniform, params={
            "pos_range": [(-math.pi, math.pi)],
            "vel_range": [(-1.0, 1.0)],
        })},
    )


def make_task() -> TaskCfg:
    """The registered task: 16 envs for training, 4 for play, SAC (skrl) by default."""
    return TaskCfg(
        id="GeneLab-Pendulum-v0",
        env=env_cfg(),
        play_env=env_cfg(num_envs=4),
        agent="skrl_sac",  # offered by genelab-backend-skrl (genelab_presets)
        agent_distribution="genelab-backend-skrl",
        description="Swing a pendulum up and hold it with a limited torque.",
    )
