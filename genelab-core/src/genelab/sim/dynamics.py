"""Batched rigid-body-like dynamics in plain PyTorch: the state is ``(N, 2 * nq)``."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, ClassVar

import torch

if TYPE_CHECKING:
    import numpy as np

    from genelab.sim.canvas import Canvas
    from genelab.sim.torch_config import DynamicsModelCfg


class DynamicsModel(ABC):
    """A batch of ``N`` identical systems with generalized coordinates ``q`` (``nq`` each).

    ``state`` holds ``[q, qd]`` per row; ``q`` and ``qd`` are views into it, so they stay
    valid across steps (every update is in place). Subclasses set ``nq``, ``force_dim``
    and implement :meth:`acceleration` and :meth:`draw`.
    """

    nq: ClassVar[int]
    force_dim: ClassVar[int]

    def __init__(self, cfg: DynamicsModelCfg, num_envs: int, device: torch.device) -> None:
        self.cfg = cfg
        self.num_envs = num_envs
        self.device = device
        self.state = torch.zeros(num_envs, 2 * self.nq, device=device)
        self.q = self.state[:, : self.nq]
        self.qd = self.state[:, self.nq :]

    @property
    def state_dim(self) -> int:
        """Width of :attr:`state` (``2 * nq``)."""
        return 2 * self.nq

    @abstractmethod
    def acceleration(self, q: torch.Tensor, qd: torch.Tensor, force: torch.Tensor) -> torch.Tensor:
        """``qdd`` of shape ``(N, nq)`` for positions, velocities and applied forces."""

    @abstractmethod
    def draw(self, canvas: Canvas, state: np.ndarray) -> None:
        """Draw one system whose state row is ``state`` (numpy, ``(2 * nq,)``)."""

    def step(self, force: torch.Tensor, dt: float) -> None:
        """Advance every system by ``dt`` under ``force`` ``(N, force_dim)``, in place."""
        if self.cfg.integrator == "rk4":
            self._rk4(force, dt)
        else:
            self.qd.add_(self.acceleration(self.q, self.qd, force), alpha=dt)
            self.q.add_(self.qd, alpha=dt)
        limit = self.cfg.velocity_limit
        if limit is not None:
            self.qd.clamp_(-limit, limit)

    def _rk4(self, force: torch.Tensor, dt: float) -> None:
        q, qd = self.q, self.qd
        a1 = self.acceleration(q, qd, force)
        v2 = qd + 0.5 * dt * a1
        a2 = self.acceleration(q + 0.5 * dt * qd, v2, force)
        v3 = qd + 0.5 * dt * a2
        a3 = self.acceleration(q + 0.5 * dt * v2, v3, force)
        v4 = qd + dt * a3
        a4 = self.acceleration(q + dt * v3, v4, force)
        q.add_(qd + 2.0 * v2 + 2.0 * v3 + v4, alpha=dt / 6.0)
        qd.add_(a1 + 2.0 * a2 + 2.0 * a3 + a4, alpha=dt / 6.0)

    def reset(self, env_ids: torch.Tensor) -> None:
        """Put the systems ``env_ids`` at rest at ``q = 0``."""
        self.state.index_fill_(0, env_ids, 0.0)
