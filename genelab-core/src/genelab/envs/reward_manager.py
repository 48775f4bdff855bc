"""Rewards: a weighted sum of terms, with per-term episodic sums for logging."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch

from genelab.constraints import FiniteFloat
from genelab.envs.manager_base import TermCfg
from genelab.state import load_tensors

if TYPE_CHECKING:
    from genelab.envs.rl_env import ManagerBasedRlEnv


@dataclass
class RewardTermCfg(TermCfg):
    """``weight * func(env, **params)``; terms with weight 0 are skipped."""

    weight: FiniteFloat = 1.0


class RewardManager:
    """Computes the step reward and accumulates each weighted term over the episode.

    Term values are copied into the rows of one ``(terms, N)`` buffer and weighted with a
    single op; the weights are re-read from the config every step, so changing a term's
    (non-zero) weight at runtime takes effect.
    """

    def __init__(self, cfg: dict[str, RewardTermCfg], env: ManagerBasedRlEnv) -> None:
        self._env = env
        self.terms = {name: term for name, term in cfg.items() if term.weight != 0.0}
        self.term_names = list(self.terms)
        self._values = torch.zeros(len(self.terms), env.num_envs, device=env.device)
        self._rows = self._values.unbind(0)
        self.episode_sums = torch.zeros_like(self._values)
        self._weight_list: list[float] = []
        self._weights = torch.zeros(len(self.terms), 1, device=env.device)

    def compute(self) -> torch.Tensor:
        """The weighted reward ``(N,)`` of this step (a fresh tensor)."""
        env = self._env
        for row, term in zip(self._rows, self.terms.values(), strict=True):
            row.copy_(term.func(env, **term.params))
        self._values.mul_(self._weight_column())
        self.episode_sums += self._values
        return self._values.sum(dim=0)

    def _weight_column(self) -> torch.Tensor:
        weights = [term.weight for term in self.terms.values()]
        if weights != self._weight_list:
            self._weight_list = weights
            self._weights = torch.tensor(weights, device=self._env.device).unsqueeze(1)
        return self._weights

    def episode_totals(self, env_ids: torch.Tensor) -> torch.Tensor:
        """Each term's episodic sum added up over the episodes ``env_ids``, ``(terms,)``."""
        return self.episode_sums.index_select(1, env_ids).sum(dim=1)

    def reset(self, env_ids: torch.Tensor) -> None:
        """Zero the episodic sums of ``env_ids``."""
        self.episode_sums.index_fill_(1, env_ids, 0.0)

    def state_dict(self) -> dict[str, torch.Tensor]:
        """The per-term episodic sums (a copy)."""
        return {"episode_sums": self.episode_sums.clone()}

    def load_state_dict(self, state: dict[str, torch.Tensor]) -> None:
        """Restore what :meth:`state_dict` returned."""
        load_tensors({"episode_sums": self.episode_sums}, state, "reward sums")
