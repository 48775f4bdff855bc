"""Entry point of the ``genelab.backends`` group; imports no torch (``genelab list`` loads it)."""

from __future__ import annotations

from genelab import hookimpl
from genelab.rl import Backend, Preset

from genelab_backend_cem.backend import CemBackend

PRESETS = "genelab_backend_cem.presets"


@hookimpl
def genelab_backends() -> list[Backend]:
    """The CEM backend."""
    return [CemBackend()]


@hookimpl
def genelab_presets() -> list[Preset]:
    """``cem`` for the built-in Cartpole and the example task (lazy references)."""
    return [
        Preset("GeneLab-Cartpole-v0", "cem", f"{PRESETS}:cartpole_cem",
               "CEM, linear tanh policy"),
        Preset("Example-PendulumBalance-v0", "cem", f"{PRESETS}:pendulum_balance_cem",
               "CEM, linear tanh policy"),
    ]
