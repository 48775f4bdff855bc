"""The built-in engine: a batched :class:`DynamicsModel` stepped with PyTorch ops."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from genelab.errors import GenelabError
from genelab.sim.canvas import Canvas
from genelab.sim.dynamics import DynamicsModel
from genelab.sim.engine import Marker, Simulation
from genelab.sim.torch_config import TorchSimulationCfg
from genelab.state import load_tensors


class TorchSimulation(Simulation):
    """Generalized coordinates ``q`` and velocities ``qd`` of ``N`` identical systems; the
    control is the model's generalized force input. Worlds reset to rest at ``q = 0``."""

    engine_name = "torch"
    cfg: TorchSimulationCfg

    def __init__(self, cfg: TorchSimulationCfg, device: torch.device) -> None:
        if cfg.model is None:
            raise GenelabError("env.sim.model is required: the dynamics model to integrate")
        super().__init__(cfg, device)
        self.model: DynamicsModel | None = None

    def build(self, num_envs: int) -> None:
        """Allocate ``num_envs`` systems at rest."""
        self.num_envs = num_envs
        self.model = self.cfg.model.build(num_envs, self.device)
        self._previous_q = self.model.q.clone()
        self._zeros = torch.zeros(self.model.nq, device=self.device)

    @property
    def control_dim(self) -> int:
        """The model's number of force inputs."""
        return self.model.force_dim

    @property
    def joint_pos(self) -> torch.Tensor:
        """``q`` ``(N, nq)`` (a view into the model's state)."""
        return self.model.q

    @property
    def joint_vel(self) -> torch.Tensor:
        """``qd`` ``(N, nq)`` (a view into the model's state)."""
        return self.model.qd

    @property
    def previous_joint_pos(self) -> torch.Tensor:
        """``q`` at the start of the last step."""
        return self._previous_q

    @property
    def default_joint_pos(self) -> torch.Tensor:
        """Zeros ``(nq,)``."""
        return self._zeros

    @property
    def default_joint_vel(self) -> torch.Tensor:
        """Zeros ``(nq,)``."""
        return self._zeros

    def joint_state(self) -> torch.Tensor:
        """The model's contiguous ``[q, qd]`` state (no copy: the cheapest observation)."""
        return self.model.state

    def write_joint_state(self, env_ids: torch.Tensor, joint_pos: torch.Tensor,
                          joint_vel: torch.Tensor) -> None:
        """Write ``q`` and ``qd`` of ``env_ids``."""
        self.model.state.index_copy_(0, env_ids, torch.cat((joint_pos, joint_vel), dim=1))

    def step(self, control: torch.Tensor, nstep: int) -> None:
        """``nstep`` integration steps of ``dt`` under the forces ``control``."""
        self._previous_q.copy_(self.model.q)
        for _ in range(nstep):
            self.model.step(control, self.dt)

    def reset(self, env_ids: torch.Tensor) -> None:
        """Put the systems ``env_ids`` at rest at ``q = 0``."""
        self.model.reset(env_ids)

    def state_dict(self) -> dict[str, torch.Tensor]:
        """The state of every system (a copy)."""
        return {"state": self.model.state.clone()}

    def load_state_dict(self, state: dict[str, torch.Tensor]) -> None:
        """Restore what :meth:`state_dict` returned."""
        load_tensors({"state": self.model.state}, state, "sim state")

    def render(self, env_id: int = 0, markers: Sequence[Marker] = ()) -> np.ndarray:
        """A 2-D drawing ``(H, W, 3)`` uint8 of system ``env_id`` and the ``markers``."""
        render = self.cfg.render
        canvas = Canvas(render.width, render.height, render.pixels_per_unit, render.center)
        for point, color in markers:
            canvas.circle((float(point[0]), float(point[1])), 0.06, color)
        self.model.draw(canvas, self.model.state[env_id].detach().cpu().numpy())
        return canvas.image

    def close(self) -> None:
        """Release the model's buffers."""
        self.model = None
