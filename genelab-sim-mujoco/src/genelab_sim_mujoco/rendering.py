"""Offscreen frames of one MuJoCo world (``--video``, ``--vis``) through EGL by default."""

from __future__ import annotations

import ctypes.util
import os
import warnings
from collections.abc import Sequence
from types import ModuleType
from typing import TYPE_CHECKING

import numpy as np
from genelab.errors import GenelabError

if TYPE_CHECKING:
    import mujoco  # noqa: F811
    from genelab.sim import Marker

    from genelab_sim_mujoco.config import MujocoRenderCfg

#: What gives MuJoCo an offscreen GL context on Debian and Ubuntu.
GL_PACKAGES = "apt-get install libegl1 libegl-mesa0 libgl1-mesa-dri"


def import_mujoco() -> ModuleType:
    """``mujoco``, imported with EGL as its GL backend when there is no display and EGL is
    installed (a choice made in ``MUJOCO_GL`` stands). MuJoCo picks its backend when it is
    first imported; a backend that fails to load is a one-line :class:`GenelabError`."""
    headless = not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY")
    if headless and "MUJOCO_GL" not in os.environ and ctypes.util.find_library("EGL"):
        os.environ["MUJOCO_GL"] = "egl"
        os.environ.setdefault("PYOPENGL_PLATFORM", "egl")
    try:
        import mujoco
    except Exception as error:  # a GL backend named in MUJOCO_GL that cannot load
        raise GenelabError(f"MuJoCo failed to load its GL backend (MUJOCO_GL="
                           f"{os.environ.get('MUJOCO_GL', '')}: {_first_line(error)}); "
                           f"unset MUJOCO_GL or install EGL with: {GL_PACKAGES}") from None
    return mujoco


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


class OffscreenRenderer:
    """A ``mujoco.Renderer`` with a camera that follows ``cfg.track_body``."""

    def __init__(self, model: mujoco.MjModel, cfg: MujocoRenderCfg) -> None:
        import mujoco

        backend = os.environ.get("MUJOCO_GL", "glfw")
        try:
            with warnings.catch_warnings():  # glfw warns before it fails
                warnings.simplefilter("ignore")
                self._renderer = mujoco.Renderer(model, height=cfg.height, width=cfg.width)
        except Exception as error:  # no GL library, no context, framebuffer too small
            raise GenelabError(f"MuJoCo cannot render offscreen (MUJOCO_GL={backend}: "
                               f"{_first_line(error)}); install EGL with: {GL_PACKAGES}"
                               ) from None
        self._model = model
        self.camera = mujoco.MjvCamera()
        mujoco.mjv_defaultFreeCamera(model, self.camera)
        if cfg.track_body is not None:
            body = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_BODY, cfg.track_body)
            if body < 0:
                raise GenelabError(f"env.sim.render.track_body: the model has no body "
                                   f"'{cfg.track_body}'")
            self.camera.type = mujoco.mjtCamera.mjCAMERA_TRACKING
            self.camera.trackbodyid = body
        self.camera.distance = cfg.distance
        self.camera.elevation = cfg.elevation
        self.camera.azimuth = cfg.azimuth

    def render(self, data: mujoco.MjData, markers: Sequence[Marker] = ()) -> np.ndarray:
        """The frame ``(H, W, 3)`` uint8 of ``data``, each marker a 5 cm sphere."""
        import mujoco

        self._renderer.update_scene(data, self.camera)
        scene = self._renderer.scene
        for point, color in markers:
            if scene.ngeom >= scene.maxgeom:
                break
            position = np.zeros(3)
            position[:len(point)] = point
            rgba = np.array([*(c / 255.0 for c in color), 1.0], dtype=np.float32)
            mujoco.mjv_initGeom(scene.geoms[scene.ngeom], mujoco.mjtGeom.mjGEOM_SPHERE,
                                np.array([0.05, 0.0, 0.0]), position, np.eye(3).ravel(), rgba)
            scene.ngeom += 1
        return self._renderer.render()

    def close(self) -> None:
        """Free the GL context."""
        self._renderer.close()
