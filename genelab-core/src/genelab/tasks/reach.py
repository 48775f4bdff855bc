"""GeneLab-Reach-v0: push a 2-D point mass to a goal; sparse reward (for HER)."""

from __future__ import annotations

import torch

from genelab.configs import TaskCfg
from genelab.envs import (
    ActionTermCfg,
    CommandTermCfg,
    EventTermCfg,
    ManagerBasedRlEnv,
    ManagerBasedRlEnvCfg,
    ObservationGroupCfg,
    ObservationTermCfg,
    RewardTermCfg,
    TermCfg,
    TerminationTermCfg,
    mdp,
)
from genelab.sim import TorchSimulationCfg
from genelab.sim.models import PointMassCfg


def goal_reached(achieved_goal: torch.Tensor, desired_goal: torch.Tensor,
                 threshold: float) -> torch.Tensor:
    """Whether ``achieved_goal`` is within ``threshold`` of the goal (batched over leading dims)."""
    return torch.linalg.vector_norm(achieved_goal - desired_goal, dim=-1) <= threshold


def sparse_goal_reward(achieved_goal: torch.Tensor, desired_goal: torch.Tensor,
                       threshold: float) -> torch.Tensor:
    """0 within ``threshold`` of the goal, -1 elsewhere (batched over leading dims)."""
    return goal_reached(achieved_goal, desired_goal, threshold).float() - 1.0


def goal_reward(env: ManagerBasedRlEnv, command: str) -> torch.Tensor:
    """The step reward: :meth:`ManagerBasedRlEnv.compute_reward` of position vs goal."""
    return env.compute_reward(env.sim.joint_pos, env.command_manager.get(command))


def uniform_goal(env: ManagerBasedRlEnv, env_ids: torch.Tensor, half_width: float) -> torch.Tensor:
    """Goals uniform in the square ``[-half_width, half_width]^2``."""
    draw = torch.rand(len(env_ids), 2, generator=env.generator, device=env.device)
    return (2.0 * draw - 1.0) * half_width


def env_cfg(num_envs: int = 16) -> ManagerBasedRlEnvCfg:
    """Groups ``policy`` (position, velocity), ``achieved_goal`` (position) and
    ``desired_goal`` (goal); 2-D force up to 2 N; 50 steps of 0.1 s.
    """
    return ManagerBasedRlEnvCfg(
        sim=TorchSimulationCfg(model=PointMassCfg(), dt=0.05),
        num_envs=num_envs,
        decimation=2,
        episode_length_s=5.0,
        actions={"force": ActionTermCfg(dim=2, scale=2.0)},
        observations={
            "policy": ObservationGroupCfg(terms={
                "position": ObservationTermCfg(func=mdp.joint_pos),
                "velocity": ObservationTermCfg(func=mdp.joint_vel),
            }),
            "achieved_goal": ObservationGroupCfg(terms={
                "position": ObservationTermCfg(func=mdp.joint_pos),
            }),
            "desired_goal": ObservationGroupCfg(terms={
                "goal": ObservationTermCfg(func=mdp.generated_command, params={"name": "goal"}),
            }),
        },
        rewards={"success": RewardTermCfg(func=goal_reward, params={"command": "goal"})},
        terminations={"time_out": TerminationTermCfg(func=mdp.time_out, time_out=True)},
        events={"reset_state": EventTermCfg(func=mdp.reset_state_uniform, params={
            "pos_range": [(-0.8, 0.8), (-0.8, 0.8)],
            "vel_range": [(0.0, 0.0), (0.0, 0.0)],
        })},
        commands={"goal": CommandTermCfg(func=uniform_goal, params={"half_width": 0.8}, dim=2,
                                         marker_color=(60, 170, 60))},
        goal_reward=TermCfg(func=sparse_goal_reward, params={"threshold": 0.1}),
        goal_success=TermCfg(func=goal_reached, params={"threshold": 0.1}),
    )


def make_task() -> TaskCfg:
    """The registered task: 16 envs for training, 4 for play, SAC + HER (sb3) by default."""
    return TaskCfg(
        id="GeneLab-Reach-v0",
        env=env_cfg(),
        play_env=env_cfg(num_envs=4),
        agent="sb3_sac_her",  # offered by genelab-backend-sb3 (genelab_presets)
        agent_distribution="genelab-backend-sb3",
        description="Push a 2-D point mass to a goal; sparse success reward.",
    )
