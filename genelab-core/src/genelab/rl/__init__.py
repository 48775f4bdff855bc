"""The backend contract and the backend-agnostic dispatchers.

A backend distribution subclasses :class:`BackendConfig` and :class:`Backend` and returns
the backend from a ``genelab_backends`` hookimpl; :func:`select_backend` then finds it
from the type of a task's agent config.
"""

from genelab.rl.backend import Backend, BackendInfo, PlayContext, Policy, TrainContext
from genelab.rl.config import BackendConfig
from genelab.rl.dispatch import play_task, train_task
from genelab.rl.registry import BackendSelectionError, registered_backends, select_backend

__all__ = [
    "Backend",
    "BackendConfig",
    "BackendInfo",
    "BackendSelectionError",
    "PlayContext",
    "Policy",
    "TrainContext",
    "play_task",
    "registered_backends",
    "select_backend",
    "train_task",
]
