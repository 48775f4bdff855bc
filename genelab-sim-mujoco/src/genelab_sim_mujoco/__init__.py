"""MuJoCo for GeneLab: an engine for articulated bodies with contacts and the standard
locomotion tasks (``GeneLab-HalfCheetah-v0``, ``GeneLab-Hopper-v0``, ``GeneLab-Ant-v0``).

An env whose ``sim`` is a :class:`MujocoSimulationCfg` runs on this engine. Importing
this package imports neither MuJoCo nor torch.
"""

from genelab_sim_mujoco.config import MujocoRenderCfg, MujocoSimulationCfg

__all__ = ["MujocoRenderCfg", "MujocoSimulationCfg"]
