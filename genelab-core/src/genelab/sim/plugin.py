"""The built-in engine plugin (entry point ``genelab.engines: torch``); imports no torch."""

from __future__ import annotations

from genelab import hookimpl
from genelab.sim.engine import Engine
from genelab.sim.torch_config import TorchSimulationCfg


@hookimpl
def genelab_engines() -> list[Engine]:
    """Batched PyTorch dynamics of the classic-control models."""
    return [Engine("torch", TorchSimulationCfg, "genelab.sim.torch_engine:TorchSimulation",
                   "batched PyTorch dynamics (classic control), no dependency beyond torch")]
