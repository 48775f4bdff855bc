"""What every simulation engine is: its config base, the batched simulation it creates,
and the :class:`Engine` a plugin registers through ``genelab_engines``.

An engine steps ``num_envs`` worlds of one model together and exposes what task terms
read as tensors on the env's device: joint positions and velocities for every engine;
bodies, contact forces, sensors and actuator controls for engines with articulated
bodies. Engines without bodies keep the defaults below, which raise one clear error.
Nothing here imports torch, so configs and plugin modules stay light.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from genelab.constraints import PositiveFloat
from genelab.errors import GenelabError, did_you_mean

if TYPE_CHECKING:
    import numpy as np
    import torch

#: A point marker drawn into rendered frames: world position ``(x, y[, z])`` and RGB colour.
Marker = tuple[Sequence[float], tuple[int, int, int]]


@dataclass
class SimulationCfg:
    """Base of every engine's config; the engine is chosen by the config's type.

    Attributes:
        dt: Physics time step in seconds (the env steps ``decimation`` of them).
    """

    dt: PositiveFloat = 0.02


class Simulation(ABC):
    """``num_envs`` worlds of one model, stepped together.

    Tensors it hands out are views or buffers owned by the simulation: terms read them
    and must not keep them across steps. ``previous_*`` attributes hold the values at
    the start of the last :meth:`step` (for velocities by finite differences).
    """

    #: Short engine name shown in errors (``"torch"``, ``"mujoco"``).
    engine_name: ClassVar[str] = "engine"

    def __init__(self, cfg: SimulationCfg, device: torch.device) -> None:
        self.cfg = cfg
        self.device = device
        self.dt = cfg.dt
        self.num_envs = 0

    # -- lifecycle ---------------------------------------------------------------------

    @abstractmethod
    def build(self, num_envs: int) -> None:
        """Allocate ``num_envs`` worlds in their default state."""

    @abstractmethod
    def step(self, control: torch.Tensor, nstep: int) -> None:
        """Hold ``control`` ``(N, control_dim)`` for ``nstep`` physics steps of ``dt``."""

    @abstractmethod
    def reset(self, env_ids: torch.Tensor) -> None:
        """Put the worlds ``env_ids`` back to their default state."""

    @abstractmethod
    def state_dict(self) -> dict[str, Any]:
        """The physical state of every world (copies), for exact resume."""

    @abstractmethod
    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned."""

    @abstractmethod
    def render(self, env_id: int = 0, markers: Sequence[Marker] = ()) -> np.ndarray:
        """An RGB frame ``(H, W, 3)`` uint8 of world ``env_id``."""

    def close(self) -> None:
        """Release the engine's buffers and threads."""

    # -- joints: every engine ----------------------------------------------------------

    @property
    @abstractmethod
    def control_dim(self) -> int:
        """Entries of the control vector :meth:`step` takes (actuators or forces)."""

    @property
    @abstractmethod
    def joint_pos(self) -> torch.Tensor:
        """Generalized positions ``(N, nq)``."""

    @property
    @abstractmethod
    def joint_vel(self) -> torch.Tensor:
        """Generalized velocities ``(N, nv)``."""

    @property
    @abstractmethod
    def previous_joint_pos(self) -> torch.Tensor:
        """Generalized positions ``(N, nq)`` at the start of the last :meth:`step`."""

    @property
    @abstractmethod
    def default_joint_pos(self) -> torch.Tensor:
        """The positions ``(nq,)`` a reset puts every world in."""

    @property
    @abstractmethod
    def default_joint_vel(self) -> torch.Tensor:
        """The velocities ``(nv,)`` a reset puts every world in."""

    @abstractmethod
    def write_joint_state(self, env_ids: torch.Tensor, joint_pos: torch.Tensor,
                          joint_vel: torch.Tensor) -> None:
        """Set positions ``(len(env_ids), nq)`` and velocities ``(len(env_ids), nv)``."""

    def joint_state(self) -> torch.Tensor:
        """``(q, qd)`` side by side, ``(N, nq + nv)`` (a fresh tensor)."""
        import torch

        return torch.cat((self.joint_pos, self.joint_vel), dim=1)

    @property
    def joint_names(self) -> tuple[str, ...]:
        """One name per position coordinate, ``(nq,)``: ``q0``, ``q1``... unless the model
        names them."""
        return tuple(f"q{i}" for i in range(self.joint_pos.shape[1]))

    def joint_index(self, name: str | int) -> int:
        """The position column of joint ``name`` (an index passes through)."""
        return _index(name, self.joint_names, "joint", self.engine_name)

    # -- articulated bodies: engines that have them override these ---------------------

    @property
    def body_names(self) -> tuple[str, ...]:
        """Names of the bodies, in the order of the ``body_*`` tensors."""
        raise self._missing("bodies")

    def body_index(self, name: str | int) -> int:
        """The row of body ``name`` in the ``body_*`` tensors (an index passes through)."""
        return _index(name, self.body_names, "body", self.engine_name)

    @property
    def body_pos_w(self) -> torch.Tensor:
        """Body positions in the world frame ``(N, nbody, 3)``."""
        raise self._missing("bodies")

    @property
    def previous_body_pos_w(self) -> torch.Tensor:
        """:attr:`body_pos_w` at the start of the last :meth:`step`."""
        raise self._missing("bodies")

    @property
    def body_quat_w(self) -> torch.Tensor:
        """Body orientations ``(N, nbody, 4)``, quaternions ``(w, x, y, z)``."""
        raise self._missing("bodies")

    @property
    def body_vel_w(self) -> torch.Tensor:
        """Body velocities ``(N, nbody, 6)``: angular then linear, world frame, at the
        body frame's origin."""
        raise self._missing("bodies")

    @property
    def contact_forces(self) -> torch.Tensor:
        """External (contact) wrench on each body ``(N, nbody, 6)``: torque then force."""
        raise self._missing("contact forces")

    @property
    def sensor_data(self) -> torch.Tensor:
        """Every sensor's reading side by side ``(N, nsensordata)``."""
        raise self._missing("sensors")

    @property
    def actuator_control(self) -> torch.Tensor:
        """The controls applied in the last :meth:`step` ``(N, control_dim)``."""
        raise self._missing("actuators")

    def _missing(self, what: str) -> GenelabError:
        return GenelabError(f"the {self.engine_name} engine has no {what}; "
                            "this term needs an engine with articulated bodies")


def _index(name: str | int, names: tuple[str, ...], kind: str, engine: str) -> int:
    if isinstance(name, int):
        if not -len(names) <= name < len(names):
            raise GenelabError(f"{kind} index {name} is out of range (the {engine} model "
                               f"has {len(names)})")
        return name
    if name not in names:
        raise GenelabError(f"the {engine} model has no {kind} '{name}' (it has: "
                           f"{', '.join(names)})" + did_you_mean(name, list(names)))
    return names.index(name)


class Engine:
    """A simulation engine a plugin registers through ``genelab_engines``.

    Attributes:
        name: Short unique name (``"torch"``, ``"mujoco"``), shown by ``genelab list``.
        config_type: The :class:`SimulationCfg` subclass it simulates; an env whose
            ``sim`` config is of this type (or a subclass) runs on this engine.
        description: One line for listings.
        simulation: ``"module:attr"`` of its :class:`Simulation` subclass, imported only
            when an env is built (engine libraries and torch stay out of plugin loading).
    """

    def __init__(self, name: str, config_type: type[SimulationCfg], simulation: str,
                 description: str = "") -> None:
        self.name = name
        self.config_type = config_type
        self.simulation = simulation
        self.description = description

    def create(self, cfg: SimulationCfg, device: torch.device) -> Simulation:
        """A new (not yet built) simulation of ``cfg`` on ``device``."""
        from genelab.configs import resolve_reference

        return resolve_reference(self.simulation)(cfg, device)

    def __repr__(self) -> str:
        return f"Engine({self.name!r}, {self.config_type.__name__})"
