"""Dynamics models of the built-in tasks."""

from genelab.sim.models.cartpole import CartPole, CartPoleCfg
from genelab.sim.models.pendulum import Pendulum, PendulumCfg
from genelab.sim.models.point_mass import PointMass, PointMassCfg

__all__ = ["CartPole", "CartPoleCfg", "Pendulum", "PendulumCfg", "PointMass", "PointMassCfg"]
