"""The agent config of the CEM backend. Imports no torch: it is read when a preset is resolved."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from annotated_types import Gt, Le
from genelab.constraints import FolderName, PositiveFloat, PositiveInt
from genelab.rl import BackendConfig


@dataclass
class CemCfg(BackendConfig):
    """The cross-entropy method on a linear policy ``actions = tanh(obs @ W + b)``.

    Every iteration draws ``population`` parameter vectors ``(W, b)`` from a diagonal
    Gaussian; env ``i`` acts with candidate ``i % population`` (deterministically) for
    ``steps_per_iteration`` steps, a candidate's fitness is the mean reward per step of its
    envs, and the Gaussian is refitted to the best ``elite_fraction`` of the candidates.
    The policy reads the ``policy`` observation group. Trained playback uses the mean.

    Attributes:
        population: Candidates per iteration; the env count must be a multiple of it.
        elite_fraction: Share of the population the Gaussian is refitted to (at least one
            candidate).
        init_std: Initial standard deviation of every parameter (the mean starts at zero).
        min_std: Floor of the refitted standard deviation, so the search never collapses.
    """

    experiment_name: FolderName = "cem"
    population: PositiveInt = 16
    elite_fraction: Annotated[float, Gt(0), Le(1)] = 0.25
    init_std: PositiveFloat = 0.5
    min_std: PositiveFloat = 0.05

    @property
    def num_elites(self) -> int:
        """How many candidates the Gaussian is refitted to."""
        return max(1, round(self.population * self.elite_fraction))
