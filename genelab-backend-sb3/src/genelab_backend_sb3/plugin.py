"""Entry point of the ``genelab.backends`` group; imports neither torch nor Stable-Baselines3."""

from __future__ import annotations

from genelab import hookimpl
from genelab.rl.backend import Backend

from genelab_backend_sb3.backend import Sb3Backend


@hookimpl
def genelab_backends() -> list[Backend]:
    """The Stable-Baselines3 backend."""
    return [Sb3Backend()]
