"""The built-in task plugin (entry point ``genelab.tasks: builtin``).

Imports neither torch nor env code: each factory is a ``"module:attr"`` reference that
is imported only when the task is used.
"""

from __future__ import annotations

from genelab import hookimpl
from genelab.configs import TaskSpec


@hookimpl
def genelab_tasks() -> list[TaskSpec]:
    """Cartpole (balance), Pendulum (swing-up) and Reach (goal-conditioned)."""
    return [
        TaskSpec(
            id="GeneLab-Cartpole-v0",
            factory="genelab.tasks.cartpole:make_task",
            description="Balance a pole on a cart with a continuous force (PPO, A2C).",
            keywords=("classic", "balance", "on-policy"),
        ),
        TaskSpec(
            id="GeneLab-Pendulum-v0",
            factory="genelab.tasks.pendulum:make_task",
            description="Swing a pendulum up and hold it with a limited torque (SAC, TD3, DDPG).",
            keywords=("classic", "swing-up", "off-policy"),
        ),
        TaskSpec(
            id="GeneLab-Reach-v0",
            factory="genelab.tasks.reach:make_task",
            description="Push a 2-D point mass to a goal; sparse success reward (SAC + HER).",
            keywords=("goal", "her", "sparse"),
        ),
    ]
