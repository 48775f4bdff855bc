"""GeneLab backend for skrl."""

from genelab_backend_skrl.config import SkrlAgentCfg

__all__ = ["SkrlAgentCfg"]
