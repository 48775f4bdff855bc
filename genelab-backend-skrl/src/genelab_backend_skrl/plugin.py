"""Entry point module of genelab-backend-skrl (imports neither torch nor skrl)."""

from genelab import hookimpl


@hookimpl
def genelab_backends():
    """No skrl backend is registered yet: training lands with its own release."""
    return []
