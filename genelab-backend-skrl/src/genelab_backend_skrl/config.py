"""Agent config of the skrl backend (no torch or skrl import here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from genelab.rl import BackendConfig


@dataclass
class SkrlAgentCfg(BackendConfig):
    """An skrl agent: algorithm, model sizes and the algorithm's hyperparameters.

    Attributes:
        algorithm: One of skrl's PPO, A2C, SAC, TD3, DDPG.
        policy_hidden_dims: Hidden layer sizes of the policy network.
        value_hidden_dims: Hidden layer sizes of the value / critic networks.
        hyperparameters: Keyword arguments of skrl's agent config (e.g. learning_rate).
    """

    experiment_name: str = "skrl"
    algorithm: Literal["PPO", "A2C", "SAC", "TD3", "DDPG"] = "PPO"
    policy_hidden_dims: tuple[int, ...] = (64, 64)
    value_hidden_dims: tuple[int, ...] = (64, 64)
    hyperparameters: dict[str, float] = field(default_factory=dict)
