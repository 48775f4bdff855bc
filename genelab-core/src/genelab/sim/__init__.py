"""The simulation layer: a lifecycle (create, build, step, reset, render, close) around a
batched dynamics model. The built-in engine is plain PyTorch (:class:`genelab.sim.Simulation`).
"""

from genelab.sim.canvas import Canvas
from genelab.sim.dynamics import DynamicsModel, DynamicsModelCfg
from genelab.sim.simulation import ENGINES, Simulation, SimulationCfg, create_simulation

__all__ = [
    "ENGINES",
    "Canvas",
    "DynamicsModel",
    "DynamicsModelCfg",
    "Simulation",
    "SimulationCfg",
    "create_simulation",
]
