"""GeneLab backend for Stable-Baselines3: PPO, A2C, SAC, TD3 and DDPG, + HER.

Importing this package loads only the configs (no torch, no Stable-Baselines3).
"""

from genelab_backend_sb3.config import (
    Sb3A2cCfg,
    Sb3AgentCfg,
    Sb3DdpgCfg,
    Sb3HerCfg,
    Sb3PolicyCfg,
    Sb3PpoCfg,
    Sb3SacCfg,
    Sb3Td3Cfg,
)

__all__ = [
    "Sb3A2cCfg",
    "Sb3AgentCfg",
    "Sb3DdpgCfg",
    "Sb3HerCfg",
    "Sb3PolicyCfg",
    "Sb3PpoCfg",
    "Sb3SacCfg",
    "Sb3Td3Cfg",
]
