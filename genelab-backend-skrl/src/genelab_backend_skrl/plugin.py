"""Entry point of the ``genelab.backends`` group; imports neither torch nor skrl."""

from __future__ import annotations

from genelab import hookimpl
from genelab.rl.backend import Backend

from genelab_backend_skrl.backend import SkrlBackend


@hookimpl
def genelab_backends() -> list[Backend]:
    """The skrl backend."""
    return [SkrlBackend()]
