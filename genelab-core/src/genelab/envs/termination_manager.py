"""Terminations: boolean terms; those flagged ``time_out`` are truncations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch

from genelab.envs.manager_base import TermCfg

if TYPE_CHECKING:
    from genelab.envs.rl_env import ManagerBasedRlEnv


@dataclass
class TerminationTermCfg(TermCfg):
    """``func(env, **params) -> (N,) bool``.

    ``time_out=True`` marks a truncation (the episode is cut, not over: learners
    bootstrap it); otherwise the episode terminated.
    """

    time_out: bool = False


class TerminationManager:
    """Evaluates every term; an env both terminated and timed out counts as terminated."""

    def __init__(self, cfg: dict[str, TerminationTermCfg], env: ManagerBasedRlEnv) -> None:
        self._env = env
        self.terms = dict(cfg)
        self.term_names = list(cfg)
        self._values: list[torch.Tensor] = []
        self.terminated = torch.zeros(env.num_envs, dtype=torch.bool, device=env.device)

    def compute(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Fresh ``(terminated, truncated)`` bool tensors ``(N,)``."""
        env = self._env
        self._values = [term.func(env, **term.params) for term in self.terms.values()]
        terminal = [v for v, t in zip(self._values, self.terms.values(), strict=True)
                    if not t.time_out]
        time_out = [v for v, t in zip(self._values, self.terms.values(), strict=True)
                    if t.time_out]
        self.terminated = self._any(terminal)
        truncated = self._any(time_out).logical_and_(self.terminated.logical_not())
        return self.terminated, truncated

    def _any(self, values: list[torch.Tensor]) -> torch.Tensor:
        # an OR chain over a few terms is cheaper than stacking and reducing
        if not values:
            return torch.zeros_like(self.terminated)
        result = values[0].clone()
        for value in values[1:]:
            result.logical_or_(value)
        return result

    def episode_log(self, env_ids: torch.Tensor) -> dict[str, float]:
        """Fraction of the episodes ``env_ids`` that each term ended (after :meth:`compute`)."""
        fired = torch.stack(self._values).index_select(1, env_ids)
        rates = fired.float().mean(dim=1).tolist()
        return {f"Episode_Termination/{n}": v for n, v in zip(self.term_names, rates, strict=True)}
