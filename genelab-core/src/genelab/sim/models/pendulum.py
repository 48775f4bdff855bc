"""A torque-driven pendulum: ``q = (angle from upright)``, counter-clockwise positive."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from genelab.constraints import FiniteFloat, PositiveFloat
from genelab.sim.canvas import Canvas
from genelab.sim.dynamics import DynamicsModel
from genelab.sim.torch_config import DynamicsModelCfg


class Pendulum(DynamicsModel):
    """A uniform rod pivoting at one end under gravity and a joint torque (one input)."""

    nq = 1
    force_dim = 1
    cfg: PendulumCfg

    def acceleration(self, q: torch.Tensor, qd: torch.Tensor, force: torch.Tensor) -> torch.Tensor:
        """Angular acceleration of a rod of mass ``m``, length ``l`` (inertia ``m l^2 / 3``)."""
        cfg = self.cfg
        return (1.5 * cfg.gravity / cfg.length) * torch.sin(q) + (
            3.0 / (cfg.mass * cfg.length**2)
        ) * force

    def draw(self, canvas: Canvas, state: np.ndarray) -> None:
        """Rod and pivot."""
        theta = float(state[0])
        tip = (-self.cfg.length * np.sin(theta), self.cfg.length * np.cos(theta))
        canvas.line((0.0, 0.0), tip, 0.15, (200, 80, 60))
        canvas.circle((0.0, 0.0), 0.06, (30, 30, 30))


@dataclass
class PendulumCfg(DynamicsModelCfg):
    """Physical parameters of :class:`Pendulum` (defaults match gymnasium's Pendulum)."""

    class_type = Pendulum

    mass: PositiveFloat = 1.0
    length: PositiveFloat = 1.0
    gravity: FiniteFloat = 10.0
    velocity_limit: PositiveFloat | None = 8.0
