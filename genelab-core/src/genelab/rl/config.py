"""The base of every backend's agent config."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from annotated_types import Predicate

from genelab.constraints import FolderName, PositiveInt, Seed, folder_name_or_empty


@dataclass
class BackendConfig:
    """Settings every backend understands; backends subclass this with their own fields.

    The dispatcher selects a backend from the type of the agent config, so a user's
    subclass of a backend's config still trains with that backend.

    Attributes:
        experiment_name: Runs are written to ``logs/<backend>/<experiment_name>/``.
        run_name: Optional suffix of the run directory name.
        seed: Seeds torch, numpy and ``random`` before the environment is built.
        max_iterations: Training budget in iterations. One iteration is one rollout of
            ``steps_per_iteration`` vectorized env steps followed by an update, for
            every backend.
        steps_per_iteration: Vectorized env steps collected per iteration.
        save_interval: Write a checkpoint every this many iterations (and at the end).
        logger: Where scalars go; TensorBoard event files in the run directory.
    """

    experiment_name: FolderName = "default"
    run_name: Annotated[str, Predicate(folder_name_or_empty)] = ""
    seed: Seed = 42
    max_iterations: PositiveInt = 100
    steps_per_iteration: PositiveInt = 24
    save_interval: PositiveInt = 50
    logger: Literal["tensorboard"] = "tensorboard"
