"""The simulation layer: engines found through the ``genelab_engines`` hook, each stepping
``num_envs`` worlds of one model. The built-in engine is batched PyTorch dynamics
(:class:`TorchSimulationCfg`); ``genelab-sim-mujoco`` adds MuJoCo.
"""

from genelab.sim.canvas import Canvas
from genelab.sim.engine import Engine, Marker, Simulation, SimulationCfg
from genelab.sim.registry import create_simulation, registered_engines, select_engine
from genelab.sim.torch_config import DynamicsModelCfg, RenderCfg, TorchSimulationCfg

__all__ = [
    "Canvas",
    "DynamicsModel",
    "DynamicsModelCfg",
    "Engine",
    "Marker",
    "RenderCfg",
    "Simulation",
    "SimulationCfg",
    "TorchSimulationCfg",
    "create_simulation",
    "registered_engines",
    "select_engine",
]


def __getattr__(name: str) -> object:
    """:class:`DynamicsModel` on first use (it imports torch; listings import this package)."""
    if name == "DynamicsModel":
        from genelab.sim.dynamics import DynamicsModel

        return DynamicsModel
    raise AttributeError(f"module 'genelab.sim' has no attribute '{name}'")
