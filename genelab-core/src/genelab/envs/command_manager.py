"""Commands: per-env targets (goals, velocities) resampled on reset and on a timer."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

import torch
from annotated_types import Ge, Le

from genelab.constraints import PositiveInt, TimeRange
from genelab.envs.manager_base import TermCfg
from genelab.state import load_tensors

if TYPE_CHECKING:
    from genelab.envs.rl_env import ManagerBasedRlEnv


#: One channel of an RGB color.
ColorValue = Annotated[int, Ge(0), Le(255)]


@dataclass
class CommandTermCfg(TermCfg):
    """``func(env, env_ids, **params) -> (len(env_ids), dim)`` draws new commands.

    Attributes:
        dim: Width of the command.
        resampling_time_range_s: ``(min, max)`` seconds between resamples within an
            episode; ``None`` resamples on reset only.
        marker_color: If set, :meth:`ManagerBasedRlEnv.render` draws the first two
            command entries as a point in world coordinates with this RGB color.
    """

    dim: PositiveInt = 1
    resampling_time_range_s: TimeRange | None = None
    marker_color: tuple[ColorValue, ColorValue, ColorValue] | None = None


class CommandManager:
    """Holds one ``(N, dim)`` buffer per command term."""

    def __init__(self, cfg: dict[str, CommandTermCfg], env: ManagerBasedRlEnv) -> None:
        self._env = env
        self.terms = dict(cfg)
        self.commands = {
            name: torch.zeros(env.num_envs, term.dim, device=env.device)
            for name, term in cfg.items()
        }
        self._time_left = {
            name: torch.full((env.num_envs,), math.inf, device=env.device)
            for name, term in cfg.items() if term.resampling_time_range_s is not None
        }

    def get(self, name: str) -> torch.Tensor:
        """The current command ``name`` ``(N, dim)``."""
        return self.commands[name]

    def reset(self, env_ids: torch.Tensor) -> None:
        """Resample every command of ``env_ids``."""
        for name in self.terms:
            self._resample(name, env_ids)

    def step(self, dt: float) -> None:
        """Advance resampling timers by ``dt`` and resample the commands that expired."""
        for name, time_left in self._time_left.items():
            time_left -= dt
            env_ids = (time_left < 0.5 * dt).nonzero().squeeze(-1)  # nearest env step
            if env_ids.numel():
                self._resample(name, env_ids)

    def state_dict(self) -> dict[str, dict[str, torch.Tensor]]:
        """The current commands and resampling timers (copies)."""
        return {"commands": {n: c.clone() for n, c in self.commands.items()},
                "time_left": {n: t.clone() for n, t in self._time_left.items()}}

    def load_state_dict(self, state: dict[str, dict[str, torch.Tensor]]) -> None:
        """Restore what :meth:`state_dict` returned."""
        load_tensors(self.commands, state["commands"], "commands")
        load_tensors(self._time_left, state["time_left"], "command timers")

    def _resample(self, name: str, env_ids: torch.Tensor) -> None:
        env, term = self._env, self.terms[name]
        self.commands[name][env_ids] = term.func(env, env_ids, **term.params)
        if name in self._time_left:
            low, high = term.resampling_time_range_s
            draw = torch.rand(len(env_ids), generator=env.generator, device=env.device)
            self._time_left[name][env_ids] = draw * (high - low) + low
