"""Entry point of the ``genelab.backends`` group; imports neither torch nor skrl."""

from __future__ import annotations

from genelab import hookimpl
from genelab.rl import Backend, Preset

from genelab_backend_skrl.backend import SkrlBackend


@hookimpl
def genelab_backends() -> list[Backend]:
    """The skrl backend."""
    return [SkrlBackend()]


PRESETS = "genelab_backend_skrl.presets"


@hookimpl
def genelab_presets() -> list[Preset]:
    """Presets for the built-in tasks (lazy references: nothing is imported until used)."""
    return [
        Preset("GeneLab-Cartpole-v0", "skrl_ppo", f"{PRESETS}:cartpole_ppo", "PPO"),
        Preset("GeneLab-Cartpole-v0", "skrl_a2c", f"{PRESETS}:cartpole_a2c", "A2C"),
        Preset("GeneLab-Pendulum-v0", "skrl_sac", f"{PRESETS}:pendulum_sac", "SAC"),
        Preset("GeneLab-Pendulum-v0", "skrl_td3", f"{PRESETS}:pendulum_td3", "TD3"),
        Preset("GeneLab-Pendulum-v0", "skrl_ddpg", f"{PRESETS}:pendulum_ddpg", "DDPG"),
    ]
