"""Events: randomization at startup, on reset, or at random intervals."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import torch

from genelab.constraints import TimeRange
from genelab.envs.manager_base import TermCfg
from genelab.state import load_tensors

if TYPE_CHECKING:
    from genelab.envs.rl_env import ManagerBasedRlEnv


@dataclass
class EventTermCfg(TermCfg):
    """``func(env, env_ids, **params)``, applied to the envs ``env_ids``.

    Attributes:
        mode: ``"startup"`` once when the env is built, ``"reset"`` whenever envs reset,
            ``"interval"`` every ``interval_range_s`` seconds (drawn per env).
        interval_range_s: ``(min, max)`` seconds between interval events.
    """

    mode: Literal["startup", "reset", "interval"] = "reset"
    interval_range_s: TimeRange = (1.0, 1.0)


class EventManager:
    """Applies event terms by mode; interval timers count down per env."""

    def __init__(self, cfg: dict[str, EventTermCfg], env: ManagerBasedRlEnv) -> None:
        self._env = env
        self.terms = {mode: {n: t for n, t in cfg.items() if t.mode == mode}
                      for mode in ("startup", "reset", "interval")}
        self._time_left = {
            name: self._draw_interval(term, env.num_envs)
            for name, term in self.terms["interval"].items()
        }

    def _draw_interval(self, term: EventTermCfg, count: int) -> torch.Tensor:
        env = self._env
        low, high = term.interval_range_s
        return torch.rand(count, generator=env.generator, device=env.device) * (high - low) + low

    def state_dict(self) -> dict[str, dict[str, torch.Tensor]]:
        """The interval timers (copies)."""
        return {"time_left": {n: t.clone() for n, t in self._time_left.items()}}

    def load_state_dict(self, state: dict[str, dict[str, torch.Tensor]]) -> None:
        """Restore what :meth:`state_dict` returned."""
        load_tensors(self._time_left, state["time_left"], "event timers")

    def apply(self, mode: Literal["startup", "reset"], env_ids: torch.Tensor) -> None:
        """Apply every ``mode`` term to ``env_ids``."""
        for term in self.terms[mode].values():
            term.func(self._env, env_ids, **term.params)

    def step(self, dt: float) -> None:
        """Advance interval timers by ``dt`` and fire the terms whose timer ran out."""
        for name, term in self.terms["interval"].items():
            time_left = self._time_left[name]
            time_left -= dt
            env_ids = (time_left < 0.5 * dt).nonzero().squeeze(-1)  # nearest env step
            if count := env_ids.numel():
                time_left[env_ids] = self._draw_interval(term, count)
                term.func(self._env, env_ids, **term.params)
