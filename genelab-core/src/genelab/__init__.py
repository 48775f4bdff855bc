"""GeneLab: train and play registered robot-learning tasks through pluggable RL libraries.

Plugin authors need :data:`hookimpl`; everything else lives in submodules
(:mod:`genelab.rl`, :mod:`genelab.registry`, :mod:`genelab.configs`, :mod:`genelab.envs`).
"""

from genelab.hookspecs import hookimpl

__all__ = ["hookimpl"]
