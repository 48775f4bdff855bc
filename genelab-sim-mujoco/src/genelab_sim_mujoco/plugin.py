"""Entry point of the ``genelab.engines`` and ``genelab.tasks`` groups: imports neither
MuJoCo nor torch (the engine and the tasks are lazy references)."""

from __future__ import annotations

from genelab import hookimpl
from genelab.configs import TaskSpec
from genelab.sim import Engine

from genelab_sim_mujoco.config import MujocoSimulationCfg

TASKS = "genelab_sim_mujoco.tasks"


@hookimpl
def genelab_engines() -> list[Engine]:
    """The MuJoCo engine, for every env whose ``sim`` is a ``MujocoSimulationCfg``."""
    return [Engine("mujoco", MujocoSimulationCfg,
                   "genelab_sim_mujoco.simulation:MujocoSimulation",
                   "MuJoCo: articulated bodies with contacts, worlds stepped on all cores")]


@hookimpl
def genelab_tasks() -> list[TaskSpec]:
    """HalfCheetah, Hopper and Ant with gymnasium's v5 MDPs."""
    keywords = ("mujoco", "locomotion", "contact")
    return [
        TaskSpec(id="GeneLab-HalfCheetah-v0", factory=f"{TASKS}.half_cheetah:make_task",
                 description="Run a planar cheetah forward (MuJoCo, gymnasium "
                             "HalfCheetah-v5 MDP).", keywords=keywords),
        TaskSpec(id="GeneLab-Hopper-v0", factory=f"{TASKS}.hopper:make_task",
                 description="Hop forward on one leg (MuJoCo, gymnasium Hopper-v5 MDP).",
                 keywords=keywords),
        TaskSpec(id="GeneLab-Ant-v0", factory=f"{TASKS}.ant:make_task",
                 description="Walk a quadruped forward (MuJoCo, gymnasium Ant-v5 MDP).",
                 keywords=keywords),
    ]
