"""Entry point of the ``genelab.backends`` group; imports neither torch nor rsl_rl."""

from __future__ import annotations

from genelab import hookimpl
from genelab.rl import Backend, Preset

from genelab_backend_rslrl.backend import RslRlBackend


@hookimpl
def genelab_backends() -> list[Backend]:
    """The rsl_rl backend."""
    return [RslRlBackend()]


PRESETS = "genelab_backend_rslrl.presets"


@hookimpl
def genelab_presets() -> list[Preset]:
    """Presets for the built-in tasks and the MuJoCo tasks of genelab-sim-mujoco (lazy
    references: nothing is imported until used)."""
    return [
        Preset("GeneLab-Cartpole-v0", "rsl_rl_ppo", f"{PRESETS}:cartpole_ppo", "PPO, 2x64 ELU"),
        Preset("GeneLab-Pendulum-v0", "rsl_rl_ppo", f"{PRESETS}:pendulum_ppo", "PPO, 2x64 ELU"),
        Preset("GeneLab-Reach-v0", "rsl_rl_ppo", f"{PRESETS}:reach_ppo", "PPO reading the goal"),
        Preset("GeneLab-HalfCheetah-v0", "rsl_rl_ppo", f"{PRESETS}:half_cheetah_ppo",
               "PPO, 2x128 ELU"),
        Preset("GeneLab-Hopper-v0", "rsl_rl_ppo", f"{PRESETS}:hopper_ppo", "PPO, 2x128 ELU"),
        Preset("GeneLab-Ant-v0", "rsl_rl_ppo", f"{PRESETS}:ant_ppo", "PPO, 2x128 ELU"),
    ]
