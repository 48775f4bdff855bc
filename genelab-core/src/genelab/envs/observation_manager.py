"""Observations: named groups of terms, each group one flat ``(N, dim)`` tensor."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import torch

from genelab.constraints import Bounds, FiniteFloat, NonNegativeFloat
from genelab.envs.manager_base import TermCfg

if TYPE_CHECKING:
    from genelab.envs.rl_env import ManagerBasedRlEnv


@dataclass
class ObservationTermCfg(TermCfg):
    """``func(env, **params) -> (N, k)``, then noise, clip and scale in that order.

    Attributes:
        noise_std: Standard deviation of additive Gaussian noise (when the group
            enables noise).
        clip: ``(low, high)`` bounds after noise, or ``None``.
        scale: Multiplier applied last.
    """

    noise_std: NonNegativeFloat = 0.0
    clip: Bounds | None = None
    scale: FiniteFloat = 1.0


@dataclass
class ObservationGroupCfg:
    """The terms of one group, concatenated in order.

    ``enable_noise`` switches the noise of every term (e.g. off for a critic or play).
    """

    terms: dict[str, ObservationTermCfg] = field(default_factory=dict)
    enable_noise: bool = True


class ObservationManager:
    """Computes every group as a concatenation of its terms."""

    def __init__(self, cfg: dict[str, ObservationGroupCfg], env: ManagerBasedRlEnv) -> None:
        self._env = env
        self.groups = {name: group for name, group in cfg.items() if group.terms}
        self.group_dims: dict[str, int] = {}

    def compute(self) -> dict[str, torch.Tensor]:
        """Fresh observation tensors of every group, ``{group: (N, dim)}``."""
        obs = {name: self._compute_group(group) for name, group in self.groups.items()}
        if not self.group_dims:
            self.group_dims = {name: value.shape[1] for name, value in obs.items()}
        return obs

    def term_dims(self) -> dict[str, dict[str, int]]:
        """Each group's terms with the number of entries each adds, in order."""
        env = self._env
        return {name: {term_name: int(term.func(env, **term.params).reshape(env.num_envs, -1)
                                      .shape[1])
                       for term_name, term in group.terms.items()}
                for name, group in self.groups.items()}

    def _compute_group(self, group: ObservationGroupCfg) -> torch.Tensor:
        env = self._env
        parts = []
        for term in group.terms.values():
            value = term.func(env, **term.params)
            if group.enable_noise and term.noise_std > 0.0:
                noise = torch.randn(value.shape, generator=env.generator, device=env.device)
                value = value + noise * term.noise_std
            if term.clip is not None:
                value = value.clamp(*term.clip)
            if term.scale != 1.0:
                value = value * term.scale
            parts.append(value.reshape(env.num_envs, -1))
        # engines may compute in float64 (MuJoCo); observations are float32 everywhere
        if len(parts) > 1:
            return torch.cat(parts, dim=1).to(torch.float32)
        return parts[0].to(torch.float32, copy=True)
