"""Configs of the MuJoCo engine (no MuJoCo, no torch: plugin loading stays light)."""

from __future__ import annotations

import importlib.resources
from dataclasses import dataclass, field
from pathlib import Path

from genelab.constraints import FiniteFloat, Name, PositiveFloat, PositiveInt
from genelab.errors import GenelabError
from genelab.sim import SimulationCfg
from genelab.sim.torch_config import FrameSize


@dataclass
class MujocoRenderCfg:
    """Offscreen frames of one world: size and a camera that follows a body.

    Attributes:
        width, height: Frame size in pixels.
        track_body: Body the camera follows (``None``: a fixed free camera at the origin).
        distance: Camera distance from the tracked point, in metres.
        elevation, azimuth: Camera angles in degrees.
    """

    width: FrameSize = 320
    height: FrameSize = 240
    track_body: str | None = None
    distance: PositiveFloat = 4.0
    elevation: FiniteFloat = -20.0
    azimuth: FiniteFloat = 90.0


@dataclass
class MujocoSimulationCfg(SimulationCfg):
    """``num_envs`` MuJoCo worlds of one MJCF model, stepped on a pool of threads.

    Attributes:
        model: The MJCF file: a path, or ``"package:relative/path.xml"`` for a file
            shipped inside an installed Python package (``"gymnasium:envs/mujoco/
            assets/ant.xml"``), loaded from there and never copied.
        dt: Physics time step; replaces the model's ``<option timestep>``.
        num_threads: Threads stepping the worlds (``None``: one per available core).
        memory_kib: Arena of each world for contacts, constraints and solver scratch
            space, in KiB (MJCF's ``<size memory>``). ``None`` keeps the model's: MuJoCo's
            own default reserves several MiB per world, which thousands of worlds
            multiply into tens of GiB. Too small, and the step fails naming this field.
        render: Frame size and camera of ``--video`` and ``--vis``.
    """

    model: Name = "gymnasium:envs/mujoco/assets/half_cheetah.xml"
    dt: PositiveFloat = 0.01
    num_threads: PositiveInt | None = None
    memory_kib: PositiveInt | None = None
    render: MujocoRenderCfg = field(default_factory=MujocoRenderCfg)


def resolve_model_path(reference: str) -> Path:
    """The file a :attr:`MujocoSimulationCfg.model` reference names; a missing package or
    file is a one-line :class:`GenelabError`."""
    package, sep, resource = reference.partition(":")
    if not sep or "/" in package or "\\" in package or Path(reference).exists():
        path = Path(reference).expanduser()
    else:
        try:
            path = Path(str(importlib.resources.files(package).joinpath(resource)))
        except ModuleNotFoundError:
            raise GenelabError(f"env.sim.model '{reference}': no installed package "
                               f"'{package}'") from None
    if not path.is_file():
        raise GenelabError(f"env.sim.model '{reference}': no MJCF file at {path}")
    return path
