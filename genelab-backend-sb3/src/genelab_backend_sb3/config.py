"""Agent config of the Stable-Baselines3 backend (no torch or SB3 import here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from genelab.rl import BackendConfig


@dataclass
class Sb3AgentCfg(BackendConfig):
    """A Stable-Baselines3 model: algorithm, policy network and hyperparameters.

    Attributes:
        algorithm: One of SB3's PPO, A2C, SAC, TD3, DDPG.
        net_arch: Hidden layer sizes of the policy (and value) networks.
        her: Use a HerReplayBuffer (off-policy algorithms on goal tasks only).
        hyperparameters: Keyword arguments of the SB3 model (e.g. learning_rate).
    """

    experiment_name: str = "sb3"
    algorithm: Literal["PPO", "A2C", "SAC", "TD3", "DDPG"] = "PPO"
    net_arch: tuple[int, ...] = (64, 64)
    her: bool = False
    hyperparameters: dict[str, float] = field(default_factory=dict)
