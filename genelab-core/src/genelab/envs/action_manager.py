"""Actions: raw policy output -> clipped, scaled, offset controls for the simulation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch

from genelab.constraints import Bounds, FiniteFloat, PositiveInt
from genelab.errors import GenelabError
from genelab.state import load_tensors

if TYPE_CHECKING:
    from genelab.envs.rl_env import ManagerBasedRlEnv


@dataclass
class ActionTermCfg:
    """A block of ``dim`` action entries: ``control = clip(action) * scale + offset``.

    ``clip`` bounds the RAW action and is the env's action space, so train, play, eval
    and export all agree on what the policy may output.
    """

    dim: PositiveInt = 1
    scale: FiniteFloat = 1.0
    offset: FiniteFloat = 0.0
    clip: Bounds = (-1.0, 1.0)


class ActionManager:
    """Concatenates the action terms (in order) into the simulation's control input."""

    def __init__(self, cfg: dict[str, ActionTermCfg], env: ManagerBasedRlEnv) -> None:
        self.term_names = list(cfg)
        self.dim = sum(term.dim for term in cfg.values())
        control_dim = env.sim.control_dim
        if self.dim != control_dim:
            raise GenelabError(
                f"actions add up to {self.dim} entries but the sim takes {control_dim} controls"
            )
        if any(term.clip[0] >= term.clip[1] for term in cfg.values()):
            raise GenelabError("every action clip must be (low, high) with low < high")

        def per_entry(values: list[float]) -> torch.Tensor:
            return torch.tensor(values, dtype=torch.float32, device=env.device)

        expand = [term for term in cfg.values() for _ in range(term.dim)]
        self.low = per_entry([t.clip[0] for t in expand])
        self.high = per_entry([t.clip[1] for t in expand])
        self.scale = per_entry([t.scale for t in expand])
        self.offset = per_entry([t.offset for t in expand])
        # raw, processed and previous raw actions share one buffer: a reset is one op
        self._buffers = torch.zeros(3, env.num_envs, self.dim, device=env.device)
        self.action, self.processed_action, self.previous_action = self._buffers

    def process(self, action: torch.Tensor) -> torch.Tensor:
        """Store ``action`` (N, dim) and return the controls it maps to."""
        if action.shape != self.action.shape:
            raise GenelabError(
                f"action has shape {tuple(action.shape)}, expected {tuple(self.action.shape)}"
            )
        self.previous_action.copy_(self.action)
        self.action.copy_(action)
        torch.clamp(self.action, self.low, self.high, out=self.processed_action)
        return torch.addcmul(self.offset, self.processed_action, self.scale,
                             out=self.processed_action)

    def reset(self, env_ids: torch.Tensor) -> None:
        """Zero the stored actions of ``env_ids``."""
        self._buffers.index_fill_(1, env_ids, 0.0)

    def state_dict(self) -> dict[str, torch.Tensor]:
        """The last raw, processed and previous raw actions (copies)."""
        return {"actions": self._buffers.clone()}

    def load_state_dict(self, state: dict[str, torch.Tensor]) -> None:
        """Restore what :meth:`state_dict` returned."""
        load_tensors({"actions": self._buffers}, state, "actions")
