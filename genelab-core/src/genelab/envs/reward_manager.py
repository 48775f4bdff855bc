"""Rewards: a weighted sum of terms, with per-term episodic sums for logging."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch

from genelab.envs.manager_base import TermCfg

if TYPE_CHECKING:
    from genelab.envs.rl_env import ManagerBasedRlEnv


@dataclass
class RewardTermCfg(TermCfg):
    """``weight * func(env, **params)``; terms with weight 0 are skipped."""

    weight: float = 1.0


class RewardManager:
    """Computes the step reward and accumulates each weighted term over the episode."""

    def __init__(self, cfg: dict[str, RewardTermCfg], env: ManagerBasedRlEnv) -> None:
        self._env = env
        self.terms = {name: term for name, term in cfg.items() if term.weight != 0.0}
        self.term_names = list(self.terms)
        self._values = torch.zeros(len(self.terms), env.num_envs, device=env.device)
        self.episode_sums = torch.zeros_like(self._values)

    def compute(self) -> torch.Tensor:
        """The weighted reward ``(N,)`` of this step (a fresh tensor)."""
        env = self._env
        for row, term in zip(self._values, self.terms.values(), strict=True):
            torch.mul(term.func(env, **term.params), term.weight, out=row)
        self.episode_sums += self._values
        return self._values.sum(dim=0)

    def episode_log(self, env_ids: torch.Tensor) -> dict[str, float]:
        """Mean episodic sum of each term over the episodes ``env_ids``."""
        means = self.episode_sums.index_select(1, env_ids).mean(dim=1).tolist()
        return {f"Episode_Reward/{n}": v for n, v in zip(self.term_names, means, strict=True)}

    def reset(self, env_ids: torch.Tensor) -> None:
        """Zero the episodic sums of ``env_ids``."""
        self.episode_sums.index_fill_(1, env_ids, 0.0)
