"""GeneLab backend for skrl: PPO, A2C, SAC, TD3 and DDPG.

Importing this package loads only the configs (no torch, no skrl).
"""

from genelab_backend_skrl.config import (
    SkrlA2cCfg,
    SkrlAgentCfg,
    SkrlDdpgCfg,
    SkrlMemoryCfg,
    SkrlMlpCfg,
    SkrlModelsCfg,
    SkrlPolicyCfg,
    SkrlPpoCfg,
    SkrlSacCfg,
    SkrlTd3Cfg,
)

__all__ = [
    "SkrlA2cCfg",
    "SkrlAgentCfg",
    "SkrlDdpgCfg",
    "SkrlMemoryCfg",
    "SkrlMlpCfg",
    "SkrlModelsCfg",
    "SkrlPolicyCfg",
    "SkrlPpoCfg",
    "SkrlSacCfg",
    "SkrlTd3Cfg",
]
