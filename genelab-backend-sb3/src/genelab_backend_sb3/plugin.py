"""Entry point module of genelab-backend-sb3 (imports neither torch nor Stable-Baselines3)."""

from genelab import hookimpl


@hookimpl
def genelab_backends():
    """No Stable-Baselines3 backend is registered yet: training lands with its own release."""
    return []
