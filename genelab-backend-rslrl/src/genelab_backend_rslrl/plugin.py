"""Entry point of the ``genelab.backends`` group; imports neither torch nor rsl_rl."""

from __future__ import annotations

from genelab import hookimpl
from genelab.rl.backend import Backend

from genelab_backend_rslrl.backend import RslRlBackend


@hookimpl
def genelab_backends() -> list[Backend]:
    """The rsl_rl backend."""
    return [RslRlBackend()]
