"""Example GeneLab backend: the cross-entropy method (CEM) on linear policies, in plain torch.

Importing this package loads only the config (no torch).
"""

from genelab_backend_cem.config import CemCfg

__all__ = ["CemCfg"]
