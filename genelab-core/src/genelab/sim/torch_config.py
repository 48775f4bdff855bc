"""Configs of the built-in torch engine (torch-free, so plugin loading stays light)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, ClassVar, Literal

from annotated_types import Ge, Le

from genelab.constraints import FiniteFloat, PositiveFloat
from genelab.sim.engine import SimulationCfg

if TYPE_CHECKING:
    import torch

    from genelab.sim.dynamics import DynamicsModel

#: Pixels along one side of a rendered frame.
FrameSize = Annotated[int, Ge(1), Le(8192)]


@dataclass
class RenderCfg:
    """Frame size and world window of the torch engine's 2-D drawings."""

    width: FrameSize = 320
    height: FrameSize = 240
    pixels_per_unit: PositiveFloat = 60.0
    center: tuple[FiniteFloat, FiniteFloat] = (0.0, 0.0)


@dataclass
class DynamicsModelCfg:
    """Settings shared by every dynamics model; subclasses add physical parameters and
    set the class attribute ``class_type`` to the model they configure.

    Attributes:
        integrator: ``"semi_implicit_euler"`` (velocity first, then position) or
            ``"rk4"`` (classic fourth-order Runge-Kutta on ``(q, qd)``).
        velocity_limit: Clamp every generalized velocity to this magnitude after each
            step (``None``: no limit).
    """

    class_type: ClassVar[type[DynamicsModel]]

    integrator: Literal["semi_implicit_euler", "rk4"] = "semi_implicit_euler"
    velocity_limit: PositiveFloat | None = None

    def build(self, num_envs: int, device: torch.device) -> DynamicsModel:
        """Instantiate :attr:`class_type` for ``num_envs`` systems on ``device``."""
        return self.class_type(self, num_envs, device)


@dataclass
class TorchSimulationCfg(SimulationCfg):
    """The built-in engine: a batched :class:`~genelab.sim.DynamicsModel` in PyTorch.

    Attributes:
        model: The dynamics model the engine integrates.
        render: Frame size and camera window.
    """

    model: DynamicsModelCfg | None = None
    render: RenderCfg = field(default_factory=RenderCfg)
