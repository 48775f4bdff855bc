"""Example-PendulumBalance-v0: keep an already (almost) upright pendulum up.

Built from GeneLab's pendulum model and stock MDP terms, plus one term function of its own
(:func:`upright`), written the way any term is: a plain function of the env.
"""

from __future__ import annotations

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

#: The pendulum counts as fallen past this angle from upright (rad).
FALL_ANGLE = 0.8


def upright(env: ManagerBasedRlEnv) -> torch.Tensor:
    """``cos(theta)``: 1 upright, less the further the pendulum leans."""
    return env.sim.joint_pos[:, 0].cos()


def env_cfg(num_envs: int = 32) -> ManagerBasedRlEnvCfg:
    """Observations ``(theta, theta_dot)``, torque up to 2 N m, 100 steps of 0.05 s.

    Episodes start within 0.3 rad and 0.3 rad/s of upright (the torque can hold the
    pendulum up to about 0.41 rad) and end when ``|theta| > 0.8`` (terminated) or after
    5 s (truncated). Reward per step: ``cos(theta)``, -0.05 theta_dot^2, -0.01 torque^2,
    and -2 on falling.
    """
    return ManagerBasedRlEnvCfg(
        sim=TorchSimulationCfg(model=PendulumCfg(), dt=0.05),
        num_envs=num_envs,
        decimation=1,
        episode_length_s=5.0,
        actions={"torque": ActionTermCfg(dim=1, scale=2.0)},
        observations={"policy": ObservationGroupCfg(terms={
            "joint_state": ObservationTermCfg(func=mdp.joint_state),
        })},
        rewards={
            "upright": RewardTermCfg(func=upright, weight=1.0),
            "terminating": RewardTermCfg(func=mdp.is_terminated, weight=-2.0),
            "angle_vel": RewardTermCfg(func=mdp.joint_vel_l2, params={"index": 0},
                                       weight=-0.05),
            "torque": RewardTermCfg(func=mdp.action_l2, weight=-0.01),
        },
        terminations={
            "time_out": TerminationTermCfg(func=mdp.time_out, time_out=True),
            "fell": TerminationTermCfg(func=mdp.joint_pos_out_of_bounds,
                                       params={"index": 0, "limit": FALL_ANGLE}),
        },
        events={"reset_state": EventTermCfg(func=mdp.reset_state_uniform, params={
            "pos_range": [(-0.3, 0.3)],
            "vel_range": [(-0.3, 0.3)],
        })},
    )


def make_task() -> TaskCfg:
    """The registered task: 32 envs for training, 4 for play, CEM by default."""
    return TaskCfg(
        id="Example-PendulumBalance-v0",
        env=env_cfg(),
        play_env=env_cfg(num_envs=4),
        agent="cem",  # offered by genelab-backend-cem (genelab_presets)
        agent_distribution="genelab-backend-cem",
        description="Keep an almost upright pendulum up with a torque of at most 2 N m.",
    )
