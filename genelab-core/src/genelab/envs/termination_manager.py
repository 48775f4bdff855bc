"""Terminations: boolean terms; those flagged ``time_out`` are truncations."""

from __future__ import annotations

import functools
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
        terminal: list[torch.Tensor] = []
        time_out: list[torch.Tensor] = []
        for value, term in zip(self._values, self.terms.values(), strict=True):
            (time_out if term.time_out else terminal).append(value)
        # a lone term is cloned: the returned tensor must not be a term's own buffer
        self.terminated = terminal[0].clone() if len(terminal) == 1 else self._any(terminal)
        # for bools, a > b is a & ~b in one op: the time-outs that did not also terminate
        return self.terminated, torch.gt(self._any(time_out), self.terminated)

    def _any(self, values: list[torch.Tensor]) -> torch.Tensor:
        """The OR of ``values``: fresh unless there is only one (all False if none)."""
        if not values:
            return torch.zeros_like(self.terminated)
        return functools.reduce(torch.logical_or, values)

    def episode_counts(self) -> torch.Tensor:
        """How many envs each term ended at the last :meth:`compute`, ``(terms,)`` float32
        (exact up to 2**24 envs; float64 would not run on every device).

        A term that fires ends its env, so these are the counts over exactly the
        episodes that ended on that step (no gather of their rows).
        """
        return torch.stack(self._values).sum(dim=1, dtype=torch.float32)
