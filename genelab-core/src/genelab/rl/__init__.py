"""Everything a backend author needs, in one import (``from genelab.rl import ...``).

A backend distribution subclasses :class:`BackendConfig` and :class:`Backend`, returns the
backend from a ``genelab_backends`` hookimpl and its presets from ``genelab_presets``;
:func:`select_backend` then finds it from the type of a task's agent config. The contract
is :meth:`Backend.train`; :mod:`genelab.testing` holds the conformance suite.

Importing this package imports no torch.
"""

from genelab.configs import Preset
from genelab.errors import GenelabError
from genelab.files import atomic_file, keep_only, write_json
from genelab.interrupts import TrainingInterrupted, deferred_interrupts
from genelab.rl.backend import (
    Backend,
    BackendInfo,
    PlayContext,
    Policy,
    TrainContext,
    transition_bytes,
)
from genelab.rl.checkpoint_files import (
    UnsafeCheckpointError,
    load_checkpoint_file,
    save_checkpoint_file,
)
from genelab.rl.compat import check_io_sizes, check_state_dict
from genelab.rl.config import BackendConfig
from genelab.rl.dispatch import play_task, train_task
from genelab.rl.progress import IterationStats, TrainingProgress
from genelab.rl.registry import BackendSelectionError, registered_backends, select_backend
from genelab.rl.tensorboard import open_summary_writer
from genelab.runs import Run, list_checkpoints

__all__ = [
    "Backend",
    "BackendConfig",
    "BackendInfo",
    "BackendSelectionError",
    "GenelabError",
    "IterationStats",
    "PlayContext",
    "Policy",
    "Preset",
    "Run",
    "TrainContext",
    "TrainingInterrupted",
    "TrainingProgress",
    "UnsafeCheckpointError",
    "atomic_file",
    "check_io_sizes",
    "check_state_dict",
    "deferred_interrupts",
    "keep_only",
    "list_checkpoints",
    "load_checkpoint_file",
    "open_summary_writer",
    "play_task",
    "registered_backends",
    "save_checkpoint_file",
    "select_backend",
    "train_task",
    "transition_bytes",
    "write_json",
]
