"""The trained policy used by play, eval and export."""

from __future__ import annotations

from typing import Any

import torch
from stable_baselines3.common.policies import BasePolicy

from genelab_backend_sb3.vec_env import GOAL_KEYS, POLICY_GROUP


class Sb3Policy:
    """A trained SB3 policy as a GeneLab policy: observation groups in, actions out.

    Stays in torch on the env's device (no numpy round trip), so it is also traceable by
    ``genelab export``. Actions map into the env's bounds exactly as SB3's ``predict``
    does: squashed policies (SAC, TD3, DDPG) are rescaled from [-1, 1], Gaussian ones
    (PPO, A2C) clipped. Deterministic (the default) is the distribution's mode / the
    actor's output, without exploration noise.

    Args:
        policy: The model's ``policy`` with the checkpoint loaded.
        low: Lower action bounds.
        high: Upper action bounds.
        goal_task: Observations are SB3's goal dict.
        deterministic: Return the mode instead of a sample.
    """

    def __init__(self, policy: BasePolicy, low: Any, high: Any, *, goal_task: bool,
                 deterministic: bool = True) -> None:
        self.policy = policy
        policy.set_training_mode(False)
        self.low = torch.as_tensor(low, dtype=torch.float32, device=policy.device)
        self.high = torch.as_tensor(high, dtype=torch.float32, device=policy.device)
        self.goal_task = goal_task
        self.deterministic = deterministic

    def __call__(self, obs: dict[str, torch.Tensor]) -> torch.Tensor:
        """Actions ``(num_envs, action_dim)`` for a batch of observation groups."""
        if self.goal_task:
            inputs: Any = {key: obs[group] for key, group in GOAL_KEYS.items()}
        else:
            inputs = obs[POLICY_GROUP]
        with torch.no_grad():
            actions = self.policy._predict(inputs, deterministic=self.deterministic)
        if self.policy.squash_output:
            return self.low + 0.5 * (actions + 1.0) * (self.high - self.low)
        return torch.clamp(actions, self.low, self.high)
