"""Entry point of the ``genelab.tasks`` group: lazy factory references, no torch, no env code."""

from __future__ import annotations

from genelab import hookimpl
from genelab.configs import TaskSpec


@hookimpl
def genelab_tasks() -> list[TaskSpec]:
    """Example-PendulumBalance-v0."""
    return [
        TaskSpec(
            id="Example-PendulumBalance-v0",
            factory="genelab_example_tasks.pendulum_balance:make_task",
            description="Keep an almost upright pendulum up with a limited torque (CEM).",
            keywords=("example", "classic", "balance"),
        ),
    ]
