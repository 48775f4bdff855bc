"""GeneLab-Cartpole-v0: keep a pole upright by pushing its cart (continuous force)."""

from __future__ import annotations

from genelab.configs import TaskCfg
from genelab.envs import (
    ActionTermCfg,
    EventTermCfg,
    ManagerBasedRlEnvCfg,
    ObservationGroupCfg,
    ObservationTermCfg,
    RewardTermCfg,
    TerminationTermCfg,
    mdp,
)
from genelab.sim import TorchSimulationCfg
from genelab.sim.models import CartPoleCfg

CART, POLE = 0, 1

def env_cfg(num_envs: int = 64) -> ManagerBasedRlEnvCfg:
    """Observations ``(x, theta, x_dot, theta_dot)``, action a force of up to 10 N.

    Episodes end when ``|theta| > 0.2`` rad or ``|x| > 2.4`` m (terminated) or after
    5 s = 250 steps (truncated). Reward: +1 per step alive, -2 on failure, small
    penalties on pole angle and velocities.
    """
    return ManagerBasedRlEnvCfg(
        sim=TorchSimulationCfg(model=CartPoleCfg(), dt=0.01),
        num_envs=num_envs,
        decimation=2,
        episode_length_s=5.0,
        actions={"force": ActionTermCfg(dim=1, scale=10.0)},
        observations={"policy": ObservationGroupCfg(terms={
            "joint_state": ObservationTermCfg(func=mdp.joint_state),
        })},
        rewards={
            "alive": RewardTermCfg(func=mdp.is_alive, weight=1.0),
            "terminating": RewardTermCfg(func=mdp.is_terminated, weight=-2.0),
            "pole_angle": RewardTermCfg(func=mdp.joint_pos_l2, params={"index": POLE},
                                        weight=-1.0),
            "cart_vel": RewardTermCfg(func=mdp.joint_vel_l2, params={"index": CART},
                                      weight=-0.01),
            "pole_vel": RewardTermCfg(func=mdp.joint_vel_l2, params={"index": POLE},
                                      weight=-0.005),
        },
        terminations={
            "time_out": TerminationTermCfg(func=mdp.time_out, time_out=True),
            "pole_fell": TerminationTermCfg(func=mdp.joint_pos_out_of_bounds,
                                            params={"index": POLE, "limit": 0.2}),
            "cart_out_of_bounds": TerminationTermCfg(func=mdp.joint_pos_out_of_bounds,
                                                     params={"index": CART, "limit": 2.4}),
        },
        events={"reset_state": EventTermCfg(func=mdp.reset_state_uniform, params={
            "pos_range": [(-0.5, 0.5), (-0.1, 0.1)],
            "vel_range": [(-0.1, 0.1), (-0.1, 0.1)],
        })},
    )


def make_task() -> TaskCfg:
    """The registered task: 64 envs for training, 4 for play, PPO by default."""
    return TaskCfg(
        id="GeneLab-Cartpole-v0",
        env=env_cfg(),
        play_env=env_cfg(num_envs=4),
        agent="rsl_rl_ppo",  # offered by genelab-backend-rslrl (genelab_presets)
        agent_distribution="genelab-backend-rslrl",
        description="Balance a pole on a cart with a continuous force.",
    )
