"""A damped point mass in the plane: ``q = (x, y)``, pushed by a 2-D force."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from genelab.constraints import NonNegativeFloat, PositiveFloat
from genelab.sim.canvas import Canvas
from genelab.sim.dynamics import DynamicsModel
from genelab.sim.torch_config import DynamicsModelCfg


class PointMass(DynamicsModel):
    """``m qdd = F - c qd`` in an open square arena of half width ``arena_half_width``."""

    nq = 2
    force_dim = 2
    cfg: PointMassCfg

    def acceleration(self, q: torch.Tensor, qd: torch.Tensor, force: torch.Tensor) -> torch.Tensor:
        """Force minus linear damping, over the mass."""
        return (force - self.cfg.damping * qd) / self.cfg.mass

    def draw(self, canvas: Canvas, state: np.ndarray) -> None:
        """Arena border and the mass."""
        half = self.cfg.arena_half_width
        corners = [(-half, -half), (half, -half), (half, half), (-half, half)]
        for start, end in zip(corners, corners[1:] + corners[:1], strict=True):
            canvas.line(start, end, 0.02, (120, 120, 120))
        canvas.circle((float(state[0]), float(state[1])), 0.05, (40, 90, 160))


@dataclass
class PointMassCfg(DynamicsModelCfg):
    """Physical parameters of :class:`PointMass`."""

    class_type = PointMass

    mass: PositiveFloat = 1.0
    damping: NonNegativeFloat = 2.0
    arena_half_width: PositiveFloat = 1.0
