"""A cart on a rail with a free pole: ``q = (cart x, pole angle from upright)``."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from genelab.constraints import FiniteFloat, NonNegativeFloat, PositiveFloat
from genelab.sim.canvas import Canvas
from genelab.sim.dynamics import DynamicsModel
from genelab.sim.torch_config import DynamicsModelCfg


class CartPole(DynamicsModel):
    """Frictionless cart-pole driven by a horizontal force on the cart (one input)."""

    nq = 2
    force_dim = 1
    cfg: CartPoleCfg

    def acceleration(self, q: torch.Tensor, qd: torch.Tensor, force: torch.Tensor) -> torch.Tensor:
        """Cart and pole accelerations of the classic cart-pole equations of motion."""
        cfg = self.cfg
        total_mass = cfg.cart_mass + cfg.pole_mass
        half_length = cfg.pole_length / 2
        sin, cos = torch.sin(q[:, 1]), torch.cos(q[:, 1])
        theta_dot = qd[:, 1]
        temp = (force[:, 0] + cfg.pole_mass * half_length * theta_dot * theta_dot * sin) / total_mass
        theta_acc = (cfg.gravity * sin - cos * temp) / (
            half_length * (4.0 / 3.0 - cfg.pole_mass * cos * cos / total_mass)
        )
        x_acc = temp - (cfg.pole_mass * half_length / total_mass) * theta_acc * cos
        return torch.stack((x_acc, theta_acc), dim=1)

    def draw(self, canvas: Canvas, state: np.ndarray) -> None:
        """Rail, cart and pole."""
        x, theta = float(state[0]), float(state[1])
        canvas.line((-self.cfg.rail_half_length, 0.0), (self.cfg.rail_half_length, 0.0), 0.03,
                    (120, 120, 120))
        canvas.rect((x, 0.0), (0.5, 0.25), (40, 90, 160))
        tip = (x + self.cfg.pole_length * np.sin(theta), self.cfg.pole_length * np.cos(theta))
        canvas.line((x, 0.0), tip, 0.08, (200, 120, 40))
        canvas.circle((x, 0.0), 0.05, (30, 30, 30))


@dataclass
class CartPoleCfg(DynamicsModelCfg):
    """Physical parameters (SI units) of :class:`CartPole`."""

    class_type = CartPole

    cart_mass: PositiveFloat = 1.0
    pole_mass: NonNegativeFloat = 0.1
    pole_length: PositiveFloat = 1.0
    gravity: FiniteFloat = 9.81
    rail_half_length: PositiveFloat = 2.4
