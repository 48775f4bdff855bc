"""The MuJoCo engine: ``num_envs`` MjData of one MjModel, stepped on a pool of threads.

Each world keeps its own ``MjData`` for its whole life, exactly like one gymnasium env
(solver warm starts included), and one env step is ``mj_step(model, data, nstep)`` then
``mj_rnePostConstraint`` (for contact forces), as in gymnasium's ``do_simulation``.
The worlds are split into one contiguous chunk per thread; MuJoCo releases the GIL while
it steps, so the chunks run in parallel. What tasks read is copied once per step into
float64 numpy buffers that the tensors handed out view (CPU) or mirror (other devices).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any

import numpy as np
import torch
from genelab.errors import GenelabError
from genelab.sim import Marker, Simulation
from genelab.state import load_tensors

from genelab_sim_mujoco.config import MujocoSimulationCfg, resolve_model_path
from genelab_sim_mujoco.rendering import import_mujoco

mujoco = import_mujoco()

#: Fields of MjData copied only from the first time a term reads them on.
_ON_DEMAND = ("xquat", "cvel", "subtree_com", "cfrc_ext", "sensordata", "ctrl")
_INTEGRATION = mujoco.mjtState.mjSTATE_INTEGRATION
_JOINT_STATE = mujoco.mjtState.mjSTATE_QPOS | mujoco.mjtState.mjSTATE_QVEL


class MujocoSimulation(Simulation):
    """``num_envs`` worlds of the MJCF model ``cfg.model`` on ``cfg.num_threads`` threads."""

    engine_name = "mujoco"
    cfg: MujocoSimulationCfg

    def __init__(self, cfg: MujocoSimulationCfg, device: torch.device) -> None:
        super().__init__(cfg, device)
        self.model = _load_model(cfg.model, cfg.memory_kib)
        self.model.opt.timestep = cfg.dt
        self._joint_names = _qpos_names(self.model)
        self._body_names = tuple(self.model.body(b).name or f"body{b}"
                                 for b in range(self.model.nbody))
        self._datas: list[mujoco.MjData] = []
        self._pool: ThreadPoolExecutor | None = None
        self._renderer: Any = None

    # -- lifecycle ---------------------------------------------------------------------

    def build(self, num_envs: int) -> None:
        """``num_envs`` worlds in the model's default state, after a forward pass."""
        m = self.model
        self.num_envs = num_envs
        self._datas = [mujoco.MjData(m) for _ in range(num_envs)]
        threads = min(self.cfg.num_threads or _available_cores(), num_envs)
        self._threads = threads
        self._chunks = [c.tolist() for c in np.array_split(np.arange(num_envs), threads)]
        if threads > 1:
            self._pool = ThreadPoolExecutor(threads - 1, thread_name_prefix="genelab-mujoco")
        shapes = {"xpos": (m.nbody, 3), "xquat": (m.nbody, 4), "cvel": (m.nbody, 6),
                  "subtree_com": (m.nbody, 3), "cfrc_ext": (m.nbody, 6),
                  "sensordata": (m.nsensordata,), "ctrl": (m.nu,)}
        self._joint = np.zeros((num_envs, m.nq + m.nv))  # [qpos, qvel]: one mj_getState
        self._previous_qpos = np.zeros((num_envs, m.nq))
        self._previous_xpos = np.zeros((num_envs, m.nbody, 3))
        self._buffers = {"qpos": self._joint[:, :m.nq], "qvel": self._joint[:, m.nq:],
                         "previous_qpos": self._previous_qpos,
                         "previous_xpos": self._previous_xpos,
                         **{name: np.zeros((num_envs, *shape)) for name, shape in shapes.items()}}
        self._integration = np.zeros((num_envs, mujoco.mj_stateSize(m, _INTEGRATION)))
        self._control = np.zeros((num_envs, m.nu))
        self._on_demand: list[str] = []  # the fields terms have read so far
        self._stepped = np.zeros(num_envs, dtype=bool)  # last change was a step, not a reset
        self._version = 0
        self._mirrors: dict[str, tuple[int, torch.Tensor]] = {}
        self._default_qpos = torch.from_numpy(m.qpos0.copy()).to(self.device)
        self._default_qvel = torch.zeros(m.nv, dtype=torch.float64, device=self.device)
        self._body_root = torch.as_tensor(m.body_rootid, device=self.device)
        self._run(self._reset_worlds, list(range(num_envs)))

    def close(self) -> None:
        """Stop the threads, free the renderer and the worlds."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        if self._renderer is not None:
            self._renderer.close()
            self._renderer = None
        self._datas = []

    # -- stepping ----------------------------------------------------------------------

    def step(self, control: torch.Tensor, nstep: int) -> None:
        """Hold ``control`` for ``nstep`` physics steps in every world (one ``mj_step``
        call each), then compute contact forces if a term reads them."""
        np.copyto(self._control, control.detach().to("cpu", torch.float64).numpy())
        np.copyto(self._previous_qpos, self._buffers["qpos"])
        np.copyto(self._previous_xpos, self._buffers["xpos"])
        m, datas, ctrl = self.model, self._datas, self._control
        contacts = "cfrc_ext" in self._on_demand
        gather = self._gather

        def step_worlds(ids: list[int]) -> None:
            for i in ids:
                d = datas[i]
                d.ctrl[:] = ctrl[i]
                mujoco.mj_step(m, d, nstep)
                if contacts:
                    mujoco.mj_rnePostConstraint(m, d)
                gather(i, d)

        self._run(step_worlds, None)
        self._stepped[:] = True

    def reset(self, env_ids: torch.Tensor) -> None:
        """``mj_resetData`` and a forward pass for the worlds ``env_ids``."""
        ids = _ids(env_ids)
        self._run(self._reset_worlds, ids)
        self._stepped[ids] = False

    def _reset_worlds(self, ids: list[int]) -> None:
        for i in ids:
            d = self._datas[i]
            mujoco.mj_resetData(self.model, d)
            mujoco.mj_forward(self.model, d)
            self._gather(i, d)

    def write_joint_state(self, env_ids: torch.Tensor, joint_pos: torch.Tensor,
                          joint_vel: torch.Tensor) -> None:
        """Set ``qpos`` and ``qvel`` of ``env_ids``, then a forward pass (gymnasium's
        ``set_state``)."""
        ids = _ids(env_ids)
        qpos = joint_pos.detach().to("cpu", torch.float64).numpy()
        qvel = joint_vel.detach().to("cpu", torch.float64).numpy()
        row = {i: k for k, i in enumerate(ids)}

        def write_worlds(chunk: list[int]) -> None:
            for i in chunk:
                d = self._datas[i]
                d.qpos[:] = qpos[row[i]]
                d.qvel[:] = qvel[row[i]]
                mujoco.mj_forward(self.model, d)
                self._gather(i, d)

        self._run(write_worlds, ids)
        self._stepped[ids] = False

    def _gather(self, i: int, d: mujoco.MjData) -> None:
        """Copy world ``i``'s state and the on-demand fields into the buffers."""
        mujoco.mj_getState(self.model, d, self._joint[i], _JOINT_STATE)
        buffers = self._buffers
        buffers["xpos"][i] = d.xpos
        for name in self._on_demand:
            buffers[name][i] = getattr(d, name)

    def _run(self, work: Callable[[list[int]], None], ids: list[int] | None) -> None:
        """``work(chunk)`` over the worlds ``ids`` (``None``: all), one chunk per thread;
        the calling thread takes the last one. MuJoCo's fatal errors (a world's arena
        full) become one :class:`GenelabError` once every chunk has finished."""
        self._version += 1
        chunks = self._chunks if ids is None else [
            c.tolist() for c in np.array_split(np.asarray(ids), self._threads) if c.size]
        try:
            if self._pool is None or len(chunks) == 1:
                for chunk in chunks:
                    work(chunk)
                return
            futures = [self._pool.submit(work, chunk) for chunk in chunks[:-1]]
            try:
                work(chunks[-1])
            finally:
                wait(futures)  # no chunk outlives the call, even when one failed
            for future in futures:
                future.result()
        except mujoco.FatalError as error:
            raise GenelabError(_fatal_error_line(error, self.cfg.memory_kib)) from None

    # -- what terms read -----------------------------------------------------------------

    def _tensor(self, name: str) -> torch.Tensor:
        """Buffer ``name`` as a tensor on the env's device; on-demand fields are copied
        from every world the first time and after every step from then on."""
        if name in _ON_DEMAND and name not in self._on_demand:
            self._start_reading(name)
        cached = self._mirrors.get(name)
        if cached is not None and (self.device.type == "cpu" or cached[0] == self._version):
            return cached[1]
        tensor = torch.from_numpy(self._joint if name == "joint" else self._buffers[name])
        if self.device.type != "cpu":
            tensor = tensor.to(self.device)
        self._mirrors[name] = (self._version, tensor)
        return tensor

    def _start_reading(self, name: str) -> None:
        """Copy ``name`` from every world now and after every change from then on."""
        if name == "cfrc_ext":  # computed from the last step; zero after a reset
            for i in np.flatnonzero(self._stepped).tolist():
                mujoco.mj_rnePostConstraint(self.model, self._datas[i])
        for i, d in enumerate(self._datas):
            self._buffers[name][i] = getattr(d, name)
        self._on_demand.append(name)
        self._version += 1

    def joint_state(self) -> torch.Tensor:
        """``[qpos, qvel]`` ``(N, nq + nv)``, the engine's own buffer (no copy)."""
        return self._tensor("joint")

    @property
    def control_dim(self) -> int:
        """The model's actuators (``nu``)."""
        return self.model.nu

    @property
    def joint_pos(self) -> torch.Tensor:
        """``qpos`` ``(N, nq)`` (free joints: position then quaternion ``w, x, y, z``)."""
        return self._tensor("qpos")

    @property
    def joint_vel(self) -> torch.Tensor:
        """``qvel`` ``(N, nv)``."""
        return self._tensor("qvel")

    @property
    def previous_joint_pos(self) -> torch.Tensor:
        """``qpos`` at the start of the last step."""
        return self._tensor("previous_qpos")

    @property
    def default_joint_pos(self) -> torch.Tensor:
        """The model's ``qpos0`` ``(nq,)``."""
        return self._default_qpos

    @property
    def default_joint_vel(self) -> torch.Tensor:
        """Zeros ``(nv,)``."""
        return self._default_qvel

    @property
    def joint_names(self) -> tuple[str, ...]:
        """One name per ``qpos`` entry: the joint's name, with ``_0``, ``_1``... appended
        for joints with several coordinates (free and ball joints)."""
        return self._joint_names

    @property
    def body_names(self) -> tuple[str, ...]:
        """The model's bodies, ``world`` first (MuJoCo's body ids)."""
        return self._body_names

    @property
    def body_pos_w(self) -> torch.Tensor:
        """``xpos`` ``(N, nbody, 3)``, from the last forward pass (the start of the last
        physics step, as gymnasium reads it)."""
        return self._tensor("xpos")

    @property
    def previous_body_pos_w(self) -> torch.Tensor:
        """``xpos`` at the start of the last env step."""
        return self._tensor("previous_xpos")

    @property
    def body_quat_w(self) -> torch.Tensor:
        """``xquat`` ``(N, nbody, 4)``, ``(w, x, y, z)``."""
        return self._tensor("xquat")

    @property
    def body_vel_w(self) -> torch.Tensor:
        """Angular then linear velocity of each body's frame origin, world axes
        ``(N, nbody, 6)`` (from ``cvel``, which MuJoCo gives at the subtree's centre of
        mass)."""
        cvel, com = self._tensor("cvel"), self._tensor("subtree_com")
        root = self._body_root
        angular, linear = cvel[..., :3], cvel[..., 3:]
        offset = self.body_pos_w - com[:, root]
        return torch.cat((angular, linear + torch.linalg.cross(angular, offset)), dim=-1)

    @property
    def contact_forces(self) -> torch.Tensor:
        """``cfrc_ext`` ``(N, nbody, 6)``: external (contact) torque then force on each
        body, from the last step; zero after a reset (as in gymnasium)."""
        return self._tensor("cfrc_ext")

    @property
    def sensor_data(self) -> torch.Tensor:
        """``sensordata`` ``(N, nsensordata)``."""
        return self._tensor("sensordata")

    @property
    def actuator_control(self) -> torch.Tensor:
        """``ctrl`` ``(N, nu)`` as applied (before MuJoCo clamps it to ``ctrlrange``)."""
        return self._tensor("ctrl")

    # -- saving, restoring, rendering ---------------------------------------------------

    def state_dict(self) -> dict[str, torch.Tensor]:
        """Every world's integration state (``mjSTATE_INTEGRATION``: time, qpos, qvel,
        act, ctrl, warm start, ...) and every buffer terms read, as copies."""
        for name in _ON_DEMAND:
            self._tensor(name)  # copied now, so a restored run reads the same values
        for i, d in enumerate(self._datas):
            mujoco.mj_getState(self.model, d, self._integration[i], _INTEGRATION)
        state = {name: torch.from_numpy(buffer.copy()) for name, buffer in self._buffers.items()}
        state["integration"] = torch.from_numpy(self._integration.copy())
        return state

    def load_state_dict(self, state: dict[str, torch.Tensor]) -> None:
        """Restore what :meth:`state_dict` returned into worlds of the same model."""
        targets = {name: torch.from_numpy(buffer) for name, buffer in self._buffers.items()}
        targets["integration"] = torch.from_numpy(self._integration)
        load_tensors(targets, state, "sim state")
        for i, d in enumerate(self._datas):
            mujoco.mj_setState(self.model, d, self._integration[i], _INTEGRATION)
            mujoco.mj_forward(self.model, d)
        self._on_demand = list(_ON_DEMAND)
        self._version += 1

    def render(self, env_id: int = 0, markers: Sequence[Marker] = ()) -> np.ndarray:
        """An offscreen RGB frame ``(H, W, 3)`` uint8 of world ``env_id``, camera per
        ``cfg.render``, each marker a small sphere."""
        if self._renderer is None:
            from genelab_sim_mujoco.rendering import OffscreenRenderer

            self._renderer = OffscreenRenderer(self.model, self.cfg.render)
        return self._renderer.render(self._datas[env_id], markers)


def _qpos_names(m: mujoco.MjModel) -> tuple[str, ...]:
    names: list[str] = []
    for j in range(m.njnt):
        width = (m.jnt_qposadr[j + 1] if j + 1 < m.njnt else m.nq) - m.jnt_qposadr[j]
        name = m.joint(j).name or f"joint{j}"
        names.extend([name] if width == 1 else [f"{name}_{k}" for k in range(width)])
    return tuple(names)


def _load_model(reference: str, memory_kib: int | None) -> mujoco.MjModel:
    """Compile the MJCF file ``reference`` names, with an arena of ``memory_kib`` per
    world if given. The compiler's warnings become Python warnings instead of lines on
    stderr and a ``MUJOCO_LOG.TXT`` in the working directory; its deprecation notices
    (gymnasium's files carry one) are dropped."""
    path = resolve_model_path(reference)
    notices: list[str] = []
    previous = mujoco.get_mju_user_warning()
    mujoco.set_mju_user_warning(notices.append)
    try:
        with warnings.catch_warnings(record=True) as caught:  # the compiler's own
            warnings.simplefilter("always")
            spec = mujoco.MjSpec.from_file(str(path))
            if memory_kib is not None:
                spec.memory = memory_kib * 1024
            model = spec.compile()
        notices.extend(str(warning.message) for warning in caught)
        return model
    except (ValueError, mujoco.FatalError) as error:  # parse and compile errors
        raise GenelabError(f"env.sim.model '{reference}': "
                           f"{_fatal_error_line(error, memory_kib)}") from None
    finally:
        mujoco.set_mju_user_warning(previous)
        for notice in notices:
            if "deprecated" not in notice:
                warnings.warn(f"MuJoCo compiling {path.name}: {notice}", stacklevel=3)


def _fatal_error_line(error: Exception, memory_kib: int | None) -> str:
    """MuJoCo's error as one line; an arena too small for the model names the field
    that sizes it."""
    text = str(error).strip()
    first = text.splitlines()[0].removeprefix("Error: ") if text else "invalid"
    if "out of memory" in text or "stack overflow" in text:
        size = "the model's size" if memory_kib is None else f"{memory_kib} KiB"
        return (f"MuJoCo: {first} (the arena of one world, {size}, is too small: "
                f"raise env.sim.memory_kib)")
    if "allocate memory" in text and memory_kib is not None:
        return f"MuJoCo: {first} ({memory_kib} KiB per world: lower env.sim.memory_kib)"
    return first


def _ids(env_ids: torch.Tensor) -> np.ndarray:
    return env_ids.detach().to("cpu").numpy().astype(np.int64, copy=False)


def _available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
