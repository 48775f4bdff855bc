"""The trained policy used by play, eval and export."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from stable_baselines3.common.policies import BasePolicy

from genelab_backend_sb3.checkpoints import running_mean_std
from genelab_backend_sb3.vec_env import GOAL_KEYS, POLICY_GROUP


class ObservationNormalizer:
    """``VecNormalize``'s observation normalization in torch (for playback and export):
    ``clip((obs - mean) / sqrt(var + epsilon), -clip_obs, clip_obs)`` per key.

    Args:
        saved: A checkpoint's ``normalizer`` entry (``obs_rms`` with ``mean`` and ``var``
            tensors, or a dict of them per key; ``clip_obs``; ``epsilon``).
        device: Where the statistics live.
    """

    def __init__(self, saved: dict[str, Any], device: str | torch.device) -> None:
        rms = running_mean_std(saved["obs_rms"])
        self.clip = float(saved["clip_obs"])
        epsilon = float(saved["epsilon"])

        def stats(one: Any) -> tuple[torch.Tensor, torch.Tensor]:
            mean = torch.as_tensor(one.mean, dtype=torch.float32, device=device)
            std = torch.as_tensor(np.sqrt(one.var + epsilon), dtype=torch.float32,
                                  device=device)
            return mean, std

        self.stats = ({key: stats(one) for key, one in rms.items()} if isinstance(rms, dict)
                      else stats(rms))

    def __call__(self, inputs: Any) -> Any:
        """Normalized observations: a tensor, or a dict of them for goal tasks."""
        if isinstance(self.stats, dict):
            return {key: self._normalize(value, *self.stats[key]) if key in self.stats
                    else value for key, value in inputs.items()}
        return self._normalize(inputs, *self.stats)

    def _normalize(self, obs: torch.Tensor, mean: torch.Tensor, std: torch.Tensor
                   ) -> torch.Tensor:
        return torch.clamp((obs - mean) / std, -self.clip, self.clip)


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
        normalizer: The checkpoint's observation normalization, if it was trained with one.
        deterministic: Return the mode instead of a sample.
    """

    def __init__(self, policy: BasePolicy, low: Any, high: Any, *, goal_task: bool,
                 normalizer: ObservationNormalizer | None = None,
                 deterministic: bool = True) -> None:
        self.policy = policy
        policy.set_training_mode(False)
        self.low = torch.as_tensor(low, dtype=torch.float32, device=policy.device)
        self.high = torch.as_tensor(high, dtype=torch.float32, device=policy.device)
        self.goal_task = goal_task
        self.normalizer = normalizer
        self.deterministic = deterministic

    def __call__(self, obs: dict[str, torch.Tensor]) -> torch.Tensor:
        """Actions ``(num_envs, action_dim)`` for a batch of observation groups."""
        if self.goal_task:
            inputs: Any = {key: obs[group] for key, group in GOAL_KEYS.items()}
        else:
            inputs = obs[POLICY_GROUP]
        if self.normalizer is not None:
            inputs = self.normalizer(inputs)
        with torch.no_grad():
            actions = self.policy._predict(inputs, deterministic=self.deterministic)
        if self.policy.squash_output:
            return self.low + 0.5 * (actions + 1.0) * (self.high - self.low)
        return torch.clamp(actions, self.low, self.high)
