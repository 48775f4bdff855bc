"""Checkpoints: SB3 zip files read without running code, shape checks, exact resume.

A checkpoint ``checkpoints/model_<env_steps>.zip`` is SB3's own zip (``Algorithm.load``
reads it) with two more members:

* ``genelab.json``: algorithm, iteration, env steps, wall time and the observation and
  action sizes it was trained on;
* ``genelab_state.pt``: everything else an exact continuation needs, as tensors and plain
  data: SB3's counters and recent episodes, the action space's random generator (warm-up
  actions), the ``VecNormalize`` statistics and GeneLab's snapshot (random-number and env
  state). SB3's last observation is not stored: it is the restored env's
  (:func:`continue_from_env`).

GeneLab never reads SB3's ``data`` member (cloudpickle, which can run code): it loads the
``.pth`` members and its own with ``torch.load(weights_only=True)`` and rebuilds the model
from the agent config. Off-policy runs keep the replay buffer of their latest checkpoint
beside it as tensors (``replay_buffer_<env_steps>.pt``); older buffers are deleted when a
newer one is written, as each holds the whole buffer. HER's per-transition ``infos`` are
not kept: GeneLab's ``compute_reward`` does not read them.
"""

from __future__ import annotations

import collections
import io
import json
import re
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from genelab.rl import (
    GenelabError,
    atomic_file,
    check_io_sizes,
    check_state_dict,
    deferred_interrupts,
    keep_only,
    load_checkpoint_file,
    save_checkpoint_file,
)
from gymnasium import spaces
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.buffers import ReplayBuffer
from stable_baselines3.common.off_policy_algorithm import OffPolicyAlgorithm
from stable_baselines3.common.running_mean_std import RunningMeanStd
from stable_baselines3.common.save_util import recursive_setattr
from stable_baselines3.common.vec_env import VecEnv

#: Name pattern of checkpoint files (``<run>/checkpoints/model_<env_steps>.zip``).
CHECKPOINT_PATTERN = r"model_(\d+)\.zip"
META_MEMBER = "genelab.json"
STATE_MEMBER = "genelab_state.pt"
VARIABLES_MEMBER = "pytorch_variables.pth"
#: SB3's counters restored on resume.
COUNTERS = ("num_timesteps", "_n_updates", "_episode_num", "_current_progress_remaining")


@dataclass
class Checkpoint:
    """A checkpoint read back: GeneLab's metadata and state, SB3's parameters, its path."""

    path: Path
    meta: dict[str, Any]
    params: dict[str, Any]
    variables: dict[str, Any]
    state: dict[str, Any]


def checkpoint_path(run_dir: Path, env_steps: int) -> Path:
    """Where the checkpoint after ``env_steps`` (SB3's ``num_timesteps``) goes."""
    return run_dir / "checkpoints" / f"model_{env_steps}.zip"


def replay_buffer_path(checkpoint: Path) -> Path:
    """The replay buffer file saved with ``checkpoint``."""
    steps = re.fullmatch(CHECKPOINT_PATTERN, checkpoint.name)
    suffix = steps[1] if steps else checkpoint.stem
    return checkpoint.with_name(f"replay_buffer_{suffix}.pt")


# -- saving -------------------------------------------------------------------------------


def save_checkpoint(model: BaseAlgorithm, path: Path, meta: dict[str, Any],
                    snapshot: Callable[[], dict[str, Any]] | None = None) -> None:
    """Write the model (and, off-policy, then its replay buffer) atomically; Ctrl-C waits
    until both are written. ``meta`` holds GeneLab's counters; ``snapshot`` gives
    GeneLab's random-number and env state (``TrainContext.snapshot``)."""
    with deferred_interrupts():
        archive = io.BytesIO()
        model.save(archive)
        state = io.BytesIO()
        torch.save({**_training_state(model), "snapshot": snapshot() if snapshot else None},
                   state)
        with zipfile.ZipFile(archive, "a") as members:
            members.writestr(META_MEMBER, json.dumps({**meta, **_io_sizes(model.get_env())}))
            members.writestr(STATE_MEMBER, state.getvalue())
        with atomic_file(path) as handle:
            handle.write(archive.getvalue())
        if isinstance(model, OffPolicyAlgorithm) and model.replay_buffer is not None:
            buffer = replay_buffer_path(path)  # after the checkpoint: older ones go then
            save_checkpoint_file(_buffer_state(model.replay_buffer), buffer)
            keep_only(buffer, "replay_buffer_*.pt")


def _io_sizes(venv: VecEnv) -> dict[str, Any]:
    return {"observation_sizes": _sizes(venv.observation_space),
            "action_size": int(venv.action_space.shape[0])}


def _sizes(space: spaces.Space) -> dict[str, int]:
    if isinstance(space, spaces.Dict):
        return {key: int(sub.shape[0]) for key, sub in space.spaces.items()}
    return {"policy": int(space.shape[0])}


def _as_tensors(value: Any) -> Any:
    """Numpy arrays (and dicts of them) as tensors; ``None`` stays ``None``."""
    if isinstance(value, dict):
        return {key: _as_tensors(item) for key, item in value.items()}
    return None if value is None else torch.from_numpy(np.array(value))


def _rms_state(rms: Any) -> Any:
    if isinstance(rms, dict):
        return {key: _rms_state(one) for key, one in rms.items()}
    return {"mean": torch.from_numpy(np.array(rms.mean)), "var": torch.from_numpy(np.array(rms.var)),
            "count": float(rms.count)}


def _training_state(model: BaseAlgorithm) -> dict[str, Any]:
    """What SB3's zip does not keep in tensors for an exact continuation."""
    episodes = list(model.ep_info_buffer or [])
    state: dict[str, Any] = {
        "counters": {name: getattr(model, name) for name in COUNTERS},
        "episodes": {"r": [float(e["r"]) for e in episodes], "l": [int(e["l"]) for e in episodes],
                     "wall_time": [float(e.get("t", 0.0)) for e in episodes]},
        "successes": [bool(s) for s in model.ep_success_buffer or []],
        "action_space_rng": json.dumps(model.action_space.np_random.bit_generator.state),
        "normalizer": None,
    }
    normalizer = model.get_vec_normalize_env()
    if normalizer is not None:
        state["normalizer"] = {"obs_rms": _rms_state(normalizer.obs_rms),
                               "ret_rms": _rms_state(normalizer.ret_rms),
                               "returns": torch.from_numpy(np.array(normalizer.returns)),
                               "clip_obs": float(normalizer.clip_obs),
                               "epsilon": float(normalizer.epsilon)}
    return state


def _buffer_state(buffer: ReplayBuffer) -> dict[str, Any]:
    """A replay buffer's arrays (dicts of arrays for goal tasks) and position, as tensors."""
    arrays = {name: _as_tensors(value) for name, value in _buffer_arrays(buffer).items()}
    return {"arrays": arrays, "pos": int(buffer.pos), "full": bool(buffer.full)}


def _buffer_arrays(buffer: ReplayBuffer) -> dict[str, Any]:
    """Every numeric array the buffer holds (HER's episode bookkeeping included)."""
    found = {}
    for name, value in vars(buffer).items():
        if isinstance(value, np.ndarray) and value.dtype != object:
            found[name] = value
        elif isinstance(value, dict) and value and all(
                isinstance(v, np.ndarray) and v.dtype != object for v in value.values()):
            found[name] = value
    return found


# -- loading ------------------------------------------------------------------------------


def load_checkpoint(path: Path, device: str) -> Checkpoint:
    """Read a checkpoint of this backend without running code; an unreadable, foreign or
    unsafe file is a :class:`GenelabError`."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if {"data", "policy.pth"} <= names and META_MEMBER not in names:
                raise GenelabError(f"{path} is an SB3 zip without GeneLab's tensors-only state "
                                   "(written by plain SB3 or an older GeneLab): its pickled "
                                   "data cannot be read safely")
            if not {"policy.pth", META_MEMBER, STATE_MEMBER} <= names:
                raise GenelabError(f"{path} is not a checkpoint of the sb3 backend")
            meta = json.loads(archive.read(META_MEMBER))

            def member(name: str) -> Any:
                return load_checkpoint_file(io.BytesIO(archive.read(name)), device,
                                            f"{path.name}:{name}")

            params = {name[:-len(".pth")]: member(name) for name in sorted(names)
                      if name.endswith(".pth") and name != VARIABLES_MEMBER}
            variables = member(VARIABLES_MEMBER) if VARIABLES_MEMBER in names else {}
            state = member(STATE_MEMBER)
    except (zipfile.BadZipFile, OSError, ValueError, KeyError) as error:
        raise GenelabError(f"cannot read checkpoint {path}: {error}") from None
    if not isinstance(meta, dict) or not {"algorithm", "iteration", "wall_time",
                                          "observation_sizes", "action_size"} <= set(meta):
        raise GenelabError(f"{path} is not a checkpoint of the sb3 backend")
    if not isinstance(state, dict) or not {"counters", "episodes", "successes",
                                           "action_space_rng", "normalizer"} <= set(state):
        raise GenelabError(f"{path} is not a checkpoint of the sb3 backend (no training state)")
    return Checkpoint(Path(path), meta, params, variables or {}, state)


def check_spaces(checkpoint: Checkpoint, venv: VecEnv, *, algorithm: str, normalized: bool,
                 task_id: str) -> None:
    """Raise a :class:`GenelabError` naming both sides if ``checkpoint`` was trained with
    another algorithm, observation normalization setting, or on other observations /
    actions than ``venv`` has."""
    path, meta = checkpoint.path, checkpoint.meta
    if meta["algorithm"] != algorithm:
        raise GenelabError(f"checkpoint {path.name} was trained with {meta['algorithm']} but "
                           f"the agent config selects {algorithm}; select the matching preset")
    saved_normalized = checkpoint.state.get("normalizer") is not None
    if saved_normalized != normalized:
        saved = "with" if saved_normalized else "without"
        raise GenelabError(f"checkpoint {path.name} was trained {saved} observation "
                           f"normalization; set --agent.observation_normalization "
                           f"{str(not normalized).lower()}")
    saved_sizes, built = meta["observation_sizes"], _sizes(venv.observation_space)
    if set(saved_sizes) != set(built):
        raise GenelabError(f"checkpoint {path.name} reads observations "
                           f"{', '.join(sorted(saved_sizes))} but {task_id} gives "
                           f"{', '.join(sorted(built))}")
    for key in saved_sizes:
        group = "policy" if key == "observation" else key
        check_io_sizes(path, task_id, observations=(saved_sizes[key], built[key]), groups=group)
    check_io_sizes(path, task_id, actions=(int(meta["action_size"]),
                                           int(venv.action_space.shape[0])))


def check_policy(model: BaseAlgorithm, checkpoint: Checkpoint, task_id: str) -> None:
    """Raise a :class:`GenelabError` naming both shapes if the checkpoint's policy network
    differs from the one the agent config builds."""
    check_state_dict(model.policy.state_dict(), checkpoint.params["policy"], what="policy",
                     checkpoint=checkpoint.path, task_id=task_id)


def restore(model: BaseAlgorithm, checkpoint: Checkpoint, *, training: bool) -> None:
    """Load the checkpoint into ``model``: the policy, and for training also the optimizers,
    SB3's torch variables (SAC's entropy coefficient), counters, recent episodes, the action
    space's generator and the observation normalizer."""
    params = checkpoint.params if training else {"policy": checkpoint.params["policy"]}
    try:
        model.set_parameters(params, exact_match=training, device=model.device)
    except (ValueError, AttributeError) as error:  # e.g. SAC: learned ent_coef, now fixed
        raise GenelabError(f"checkpoint {checkpoint.path.name} does not fit the agent config: "
                           f"{error}") from None
    if not training:
        return
    for name, value in checkpoint.variables.items():
        if value is not None:
            recursive_setattr(model, f"{name}.data", value.data)
    state = checkpoint.state
    for name, value in state["counters"].items():
        setattr(model, name, value)
    window = model._stats_window_size
    episodes = state["episodes"]
    model.ep_info_buffer = collections.deque(
        ({"r": r, "l": n, "t": t} for r, n, t in zip(episodes["r"], episodes["l"],
                                                      episodes["wall_time"], strict=True)),
        maxlen=window)
    model.ep_success_buffer = collections.deque(state["successes"], maxlen=window)
    model.action_space.np_random.bit_generator.state = json.loads(state["action_space_rng"])
    normalizer = model.get_vec_normalize_env()
    if normalizer is not None:
        saved = state["normalizer"]
        normalizer.obs_rms = running_mean_std(saved["obs_rms"])
        normalizer.ret_rms = running_mean_std(saved["ret_rms"])
        if len(saved["returns"]) == len(normalizer.returns):
            normalizer.returns = saved["returns"].numpy().copy()


def continue_from_env(model: BaseAlgorithm) -> None:
    """Make the env's current state SB3's starting point, so ``learn`` does not reset it:
    the last observation (normalized as ``VecNormalize`` gives it), the unnormalized one
    off-policy algorithms store, and which envs just started an episode."""
    venv = model.get_env()
    raw = venv.unwrapped.observations()
    normalizer = model.get_vec_normalize_env()
    model._last_obs = normalizer.normalize_obs(raw) if normalizer is not None else raw
    if normalizer is not None:
        model._last_original_obs = raw
    model._last_episode_starts = (venv.unwrapped.env.episode_length_buf == 0).cpu().numpy()


def running_mean_std(saved: dict[str, Any]) -> Any:
    """SB3's ``RunningMeanStd`` (or a dict of them) from a checkpoint's statistics."""
    if "mean" not in saved:
        return {key: running_mean_std(one) for key, one in saved.items()}
    rms = RunningMeanStd(shape=tuple(saved["mean"].shape))
    rms.mean = saved["mean"].numpy().astype(np.float64)
    rms.var = saved["var"].numpy().astype(np.float64)
    rms.count = saved["count"]
    return rms


def restore_replay_buffer(model: OffPolicyAlgorithm, checkpoint: Path) -> bool:
    """Refill the replay buffer from the file saved with ``checkpoint``; ``False`` (with a
    note on stderr) when there is none (superseded by a later checkpoint) or it does not
    fit (the env count or buffer size changed)."""
    path = replay_buffer_path(checkpoint)
    if not path.exists():
        print(f"note: {checkpoint.name} has no saved replay buffer (only the latest "
              "checkpoint keeps one); collecting a fresh one", file=sys.stderr)
        return False
    saved = load_checkpoint_file(path, "cpu")
    if not isinstance(saved, dict) or not {"arrays", "pos", "full"} <= set(saved):
        raise GenelabError(f"{path} is not a replay buffer of the sb3 backend")
    buffer = model.replay_buffer
    mine = _buffer_arrays(buffer)
    shapes = {name: _shapes(value) for name, value in mine.items()}
    if {name: _shapes(value) for name, value in saved["arrays"].items()} != shapes:
        print(f"note: the replay buffer of {checkpoint.name} does not fit this run (another "
              "env count or buffer size); collecting a fresh one", file=sys.stderr)
        return False
    for name, value in mine.items():
        if isinstance(value, dict):
            for key, array in value.items():
                np.copyto(array, saved["arrays"][name][key].numpy())
        else:
            np.copyto(value, saved["arrays"][name].numpy())
    buffer.pos, buffer.full = saved["pos"], saved["full"]
    return True


def _shapes(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _shapes(item) for key, item in value.items()}
    return tuple(value.shape)
