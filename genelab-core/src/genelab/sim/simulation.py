"""The simulation lifecycle the env drives: create, build, step, reset, render, close."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Literal

import numpy as np
import torch
from annotated_types import Ge, Le

from genelab.constraints import FiniteFloat, PositiveFloat
from genelab.errors import GenelabError
from genelab.sim.canvas import Canvas
from genelab.sim.dynamics import DynamicsModel, DynamicsModelCfg
from genelab.state import load_tensors

#: Pixels along one side of a rendered frame.
FrameSize = Annotated[int, Ge(1), Le(8192)]


@dataclass
class RenderCfg:
    """Frame size and world window of :meth:`Simulation.render`."""

    width: FrameSize = 320
    height: FrameSize = 240
    pixels_per_unit: PositiveFloat = 60.0
    center: tuple[FiniteFloat, FiniteFloat] = (0.0, 0.0)


@dataclass
class SimulationCfg:
    """Physics settings.

    Attributes:
        dt: Physics time step in seconds (the env steps ``decimation`` of them).
        engine: The simulation engine; ``"torch"`` is the built-in batched PyTorch one.
        model: The dynamics model the engine integrates.
        render: Frame size and camera window.
    """

    model: DynamicsModelCfg
    dt: PositiveFloat = 0.02
    engine: Literal["torch"] = "torch"
    render: RenderCfg = field(default_factory=RenderCfg)


class Simulation:
    """The built-in engine: a batched :class:`DynamicsModel` stepped with PyTorch ops."""

    def __init__(self, cfg: SimulationCfg, device: torch.device) -> None:
        self.cfg = cfg
        self.device = device
        self.dt = cfg.dt
        self.model: DynamicsModel | None = None

    def build(self, num_envs: int) -> DynamicsModel:
        """Allocate ``num_envs`` systems at rest and return the model."""
        self.model = self.cfg.model.build(num_envs, self.device)
        return self.model

    @property
    def state(self) -> torch.Tensor:
        """The ``(N, state_dim)`` state of the built model."""
        return self.model.state

    def step(self, force: torch.Tensor) -> None:
        """One physics step of ``dt`` under ``force`` ``(N, force_dim)``."""
        self.model.step(force, self.dt)

    def reset(self, env_ids: torch.Tensor) -> None:
        """Put the systems ``env_ids`` back to their default state."""
        self.model.reset(env_ids)

    def state_dict(self) -> dict[str, torch.Tensor]:
        """The physical state of every system (a copy), for exact resume."""
        return {"state": self.model.state.clone()}

    def load_state_dict(self, state: dict[str, torch.Tensor]) -> None:
        """Restore what :meth:`state_dict` returned."""
        load_tensors({"state": self.model.state}, state, "sim state")

    def canvas(self) -> Canvas:
        """A blank canvas with this simulation's frame size and camera."""
        render = self.cfg.render
        return Canvas(render.width, render.height, render.pixels_per_unit, render.center)

    def render(self, env_id: int = 0, canvas: Canvas | None = None) -> np.ndarray:
        """An RGB frame ``(H, W, 3)`` uint8 of system ``env_id`` (drawn on ``canvas``)."""
        canvas = canvas or self.canvas()
        self.model.draw(canvas, self.state[env_id].detach().cpu().numpy())
        return canvas.image

    def close(self) -> None:
        """Release the model's buffers."""
        self.model = None


#: Simulation engines by :attr:`SimulationCfg.engine` name.
ENGINES: dict[str, type[Simulation]] = {"torch": Simulation}


def create_simulation(cfg: SimulationCfg, device: torch.device) -> Simulation:
    """Create (not yet build) the simulation ``cfg.engine`` names."""
    if cfg.engine not in ENGINES:
        raise GenelabError(
            f"unknown sim engine '{cfg.engine}' (available: {', '.join(sorted(ENGINES))})"
        )
    return ENGINES[cfg.engine](cfg, device)
