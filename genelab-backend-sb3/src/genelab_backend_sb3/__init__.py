"""GeneLab backend for Stable-Baselines3."""

from genelab_backend_sb3.config import Sb3AgentCfg

__all__ = ["Sb3AgentCfg"]
