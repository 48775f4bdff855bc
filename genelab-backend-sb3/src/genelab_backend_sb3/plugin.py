"""Entry point of the ``genelab.backends`` group; imports neither torch nor Stable-Baselines3."""

from __future__ import annotations

from genelab import hookimpl
from genelab.rl import Backend, Preset

from genelab_backend_sb3.backend import Sb3Backend


@hookimpl
def genelab_backends() -> list[Backend]:
    """The Stable-Baselines3 backend."""
    return [Sb3Backend()]


PRESETS = "genelab_backend_sb3.presets"


@hookimpl
def genelab_presets() -> list[Preset]:
    """Presets for the built-in tasks and the MuJoCo tasks of genelab-sim-mujoco (lazy
    references: nothing is imported until used)."""
    return [
        Preset("GeneLab-Cartpole-v0", "sb3_ppo", f"{PRESETS}:cartpole_ppo", "PPO"),
        Preset("GeneLab-Cartpole-v0", "sb3_a2c", f"{PRESETS}:cartpole_a2c", "A2C"),
        Preset("GeneLab-Pendulum-v0", "sb3_sac", f"{PRESETS}:pendulum_sac", "SAC"),
        Preset("GeneLab-Pendulum-v0", "sb3_td3", f"{PRESETS}:pendulum_td3", "TD3"),
        Preset("GeneLab-Pendulum-v0", "sb3_ddpg", f"{PRESETS}:pendulum_ddpg", "DDPG"),
        Preset("GeneLab-HalfCheetah-v0", "sb3_ppo", f"{PRESETS}:half_cheetah_ppo", "PPO"),
        Preset("GeneLab-HalfCheetah-v0", "sb3_sac", f"{PRESETS}:half_cheetah_sac", "SAC"),
        Preset("GeneLab-Hopper-v0", "sb3_ppo", f"{PRESETS}:hopper_ppo", "PPO"),
        Preset("GeneLab-Hopper-v0", "sb3_sac", f"{PRESETS}:hopper_sac", "SAC"),
        Preset("GeneLab-Ant-v0", "sb3_ppo", f"{PRESETS}:ant_ppo", "PPO"),
        Preset("GeneLab-Ant-v0", "sb3_sac", f"{PRESETS}:ant_sac", "SAC"),
        Preset("GeneLab-Reach-v0", "sb3_sac_her", f"{PRESETS}:reach_sac_her", "SAC + HER (future goals)"),
    ]
