"""GeneLab backend for rsl-rl-lib: PPO through ``OnPolicyRunner``.

Importing this package loads only the configs (no torch, no rsl_rl).
"""

from genelab_backend_rslrl.config import (
    RslRlActorCfg,
    RslRlBetaDistributionCfg,
    RslRlDistributionCfg,
    RslRlGaussianDistributionCfg,
    RslRlMlpModelCfg,
    RslRlOnPolicyRunnerCfg,
    RslRlPpoAlgorithmCfg,
)

__all__ = [
    "RslRlActorCfg",
    "RslRlBetaDistributionCfg",
    "RslRlDistributionCfg",
    "RslRlGaussianDistributionCfg",
    "RslRlMlpModelCfg",
    "RslRlOnPolicyRunnerCfg",
    "RslRlPpoAlgorithmCfg",
]
