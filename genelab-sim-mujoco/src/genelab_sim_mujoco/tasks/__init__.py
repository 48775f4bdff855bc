"""The standard MuJoCo locomotion tasks, with the MDPs of gymnasium's v5 envs.

Each is built from the MJCF file the gymnasium wheel ships, with the same observation,
reward terms and weights, healthy termination, frame skip (``decimation``), 1000-step
horizon and reset noise, so returns compare directly with published gymnasium results.
"""

from __future__ import annotations

from collections.abc import Callable

from genelab.configs import TaskCfg
from genelab.envs import ActionTermCfg, ManagerBasedRlEnvCfg, TerminationTermCfg, mdp

from genelab_sim_mujoco.config import MujocoRenderCfg, MujocoSimulationCfg

#: Env steps per episode in every gymnasium v5 locomotion env.
HORIZON = 1000


def gymnasium_model(file: str, dt: float, render: MujocoRenderCfg) -> MujocoSimulationCfg:
    """The engine config of ``file`` in gymnasium's ``envs/mujoco/assets`` (its timestep).

    Each world gets a 1 MiB arena: these models use at most ~25 KiB of it (measured
    over random-action episodes), where MuJoCo's default would reserve 6-14 MiB."""
    return MujocoSimulationCfg(model=f"gymnasium:envs/mujoco/assets/{file}", dt=dt,
                               memory_kib=1024, render=render)


def horizon_s(dt: float, decimation: int) -> float:
    """``episode_length_s`` for :data:`HORIZON` env steps."""
    return HORIZON * dt * decimation


def motor_actions(dim: int) -> dict[str, ActionTermCfg]:
    """Actions straight to the motors (``ctrlrange`` ``[-1, 1]``), as gymnasium applies them."""
    return {"motors": ActionTermCfg(dim=dim)}


def time_limit() -> TerminationTermCfg:
    """Truncation after :data:`HORIZON` steps (gymnasium's ``TimeLimit``)."""
    return TerminationTermCfg(func=mdp.time_out, time_out=True)


def locomotion_task(task_id: str, env_cfg: Callable[..., ManagerBasedRlEnvCfg],
                    description: str) -> TaskCfg:
    """The registered task: 64 envs for training, 1 for play, rsl_rl PPO by default
    (offered by genelab-backend-rslrl through ``genelab_presets``)."""
    return TaskCfg(id=task_id, env=env_cfg(), play_env=env_cfg(num_envs=1),
                   agent="rsl_rl_ppo", agent_distribution="genelab-backend-rslrl",
                   description=description)
