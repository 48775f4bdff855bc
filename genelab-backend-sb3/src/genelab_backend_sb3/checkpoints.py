"""Checkpoints: SB3 zip files (plus the replay buffer), shape checks and restoring a model.

A checkpoint is SB3's own zip (``Algorithm.load`` reads it) whose data also holds a
``genelab`` entry: algorithm, iteration, wall time and, when observations are normalized,
the ``VecNormalize`` statistics (``observation_normalizer``: ``obs_rms``, ``clip_obs``,
``epsilon``), so weights and normalizer can never come from different iterations.
Off-policy runs keep the replay buffer of their latest checkpoint beside it
(``replay_buffer_<env_steps>.pkl``); older buffers are deleted when a newer one is
written, as each holds the whole buffer.
"""

from __future__ import annotations

import copy
import re
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from genelab.errors import GenelabError
from genelab.rl.compat import check_io_sizes, check_state_dict
from genelab.runs import atomic_file, keep_only
from gymnasium import spaces
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.off_policy_algorithm import OffPolicyAlgorithm
from stable_baselines3.common.save_util import load_from_zip_file, recursive_setattr
from stable_baselines3.common.vec_env import VecEnv

#: Name pattern of checkpoint files (``<run>/checkpoints/model_<env_steps>.zip``).
CHECKPOINT_PATTERN = r"model_(\d+)\.zip"
META = "genelab"
NORMALIZER = "observation_normalizer"


@dataclass
class Checkpoint:
    """A checkpoint read back: SB3's data, parameters and torch variables, and its path."""

    path: Path
    data: dict[str, Any]
    params: dict[str, Any]
    variables: dict[str, Any]

    @property
    def meta(self) -> dict[str, Any]:
        """GeneLab's counters: algorithm, iteration, env_steps, wall_time."""
        return self.data[META]


def checkpoint_path(run_dir: Path, env_steps: int) -> Path:
    """Where the checkpoint after ``env_steps`` (SB3's ``num_timesteps``) goes."""
    return run_dir / "checkpoints" / f"model_{env_steps}.zip"


def replay_buffer_path(checkpoint: Path) -> Path:
    """The replay buffer file saved with ``checkpoint``."""
    steps = re.fullmatch(CHECKPOINT_PATTERN, checkpoint.name)
    suffix = steps[1] if steps else checkpoint.stem
    return checkpoint.with_name(f"replay_buffer_{suffix}.pkl")


def save_checkpoint(model: BaseAlgorithm, path: Path, meta: dict[str, Any]) -> None:
    """Write the model (and, off-policy, its replay buffer first) atomically."""
    if isinstance(model, OffPolicyAlgorithm) and model.replay_buffer is not None:
        buffer = replay_buffer_path(path)
        with atomic_file(buffer) as handle:
            model.save_replay_buffer(handle)
        keep_only(buffer, "replay_buffer_*.pkl")
    normalizer = model.get_vec_normalize_env()
    if normalizer is not None:
        meta = {**meta, NORMALIZER: {"obs_rms": copy.deepcopy(normalizer.obs_rms),
                                     "clip_obs": normalizer.clip_obs,
                                     "epsilon": normalizer.epsilon}}
    setattr(model, META, meta)
    with atomic_file(path) as handle:
        model.save(handle)


def load_checkpoint(path: Path, device: str) -> Checkpoint:
    """Read a checkpoint of this backend; an unreadable file is a :class:`GenelabError`."""
    try:
        data, params, variables = load_from_zip_file(path, device=device)
    except Exception as error:  # zip, json and torch fail in many ways on a bad file
        raise GenelabError(f"cannot read checkpoint {path}: {error}") from None
    if not data or META not in data or "policy" not in params:
        raise GenelabError(f"{path} is not a checkpoint of the sb3 backend")
    return Checkpoint(path, data, params, variables or {})


def _sizes(space: spaces.Space) -> dict[str, int]:
    if isinstance(space, spaces.Dict):
        return {key: int(sub.shape[0]) for key, sub in space.spaces.items()}
    return {"policy": int(space.shape[0])}


def check_spaces(checkpoint: Checkpoint, venv: VecEnv, *, algorithm: str, normalized: bool,
                 task_id: str) -> None:
    """Raise a :class:`GenelabError` naming both sides if ``checkpoint`` was trained with
    another algorithm, observation normalization setting, or on other observations /
    actions than ``venv`` has."""
    path = checkpoint.path
    saved_algorithm = checkpoint.meta.get("algorithm")
    if saved_algorithm != algorithm:
        raise GenelabError(f"checkpoint {path.name} was trained with {saved_algorithm} but "
                           f"the agent config selects {algorithm}; select the matching preset")
    if (NORMALIZER in checkpoint.meta) != normalized:
        saved = "with" if NORMALIZER in checkpoint.meta else "without"
        raise GenelabError(f"checkpoint {path.name} was trained {saved} observation "
                           f"normalization; set --agent.observation_normalization "
                           f"{str(not normalized).lower()}")
    saved, built = _sizes(checkpoint.data["observation_space"]), _sizes(venv.observation_space)
    if set(saved) != set(built):
        raise GenelabError(f"checkpoint {path.name} reads observations "
                           f"{', '.join(sorted(saved))} but {task_id} gives "
                           f"{', '.join(sorted(built))}")
    for key in saved:
        group = "policy" if key == "observation" else key
        check_io_sizes(path, task_id, observations=(saved[key], built[key]), groups=group)
    check_io_sizes(path, task_id, actions=(int(checkpoint.data["action_space"].shape[0]),
                                           int(venv.action_space.shape[0])))


def check_policy(model: BaseAlgorithm, checkpoint: Checkpoint, task_id: str) -> None:
    """Raise a :class:`GenelabError` naming both shapes if the checkpoint's policy network
    differs from the one the agent config builds."""
    check_state_dict(model.policy.state_dict(), checkpoint.params["policy"], what="policy",
                     checkpoint=checkpoint.path, task_id=task_id)


def restore(model: BaseAlgorithm, checkpoint: Checkpoint, *, training: bool) -> None:
    """Load the checkpoint into ``model``: the policy, and for training also the optimizers,
    SB3's torch variables (SAC's entropy coefficient), counters, episode statistics and
    the observation normalizer's statistics."""
    params = checkpoint.params if training else {"policy": checkpoint.params["policy"]}
    try:
        model.set_parameters(params, exact_match=training, device=model.device)
    except ValueError as error:  # e.g. SAC trained with a learned, resumed with a fixed ent_coef
        raise GenelabError(f"checkpoint {checkpoint.path.name} does not fit the agent config: "
                           f"{error}") from None
    if not training:
        return
    for name, value in checkpoint.variables.items():
        if value is not None:
            recursive_setattr(model, f"{name}.data", value.data)
    # counters, and the recent episodes behind SB3's ep_rew_mean / success_rate
    for name in ("num_timesteps", "_n_updates", "_episode_num", "ep_info_buffer",
                 "ep_success_buffer"):
        setattr(model, name, checkpoint.data[name])
    normalizer = model.get_vec_normalize_env()
    if normalizer is not None:
        normalizer.obs_rms = copy.deepcopy(checkpoint.meta[NORMALIZER]["obs_rms"])


def restore_replay_buffer(model: OffPolicyAlgorithm, checkpoint: Path) -> bool:
    """Load the replay buffer saved with ``checkpoint``; ``False`` when there is none that
    fits (it was superseded by a later checkpoint, or the env count changed)."""
    path = replay_buffer_path(checkpoint)
    if not path.exists():
        print(f"note: {checkpoint.name} has no saved replay buffer (only the latest "
              "checkpoint keeps one); collecting a fresh one", file=sys.stderr)
        return False
    current = model.replay_buffer
    with warnings.catch_warnings():  # HER: the env restarts episodes, so truncating is right
        warnings.filterwarnings("ignore", "The last trajectory in the replay buffer")
        model.load_replay_buffer(path)
    loaded = model.replay_buffer
    if loaded.n_envs != current.n_envs or loaded.buffer_size != current.buffer_size:
        print(f"note: the replay buffer of {checkpoint.name} holds {loaded.buffer_size} x "
              f"{loaded.n_envs} envs but this run has {current.buffer_size} x "
              f"{current.n_envs}; collecting a fresh one", file=sys.stderr)
        model.replay_buffer = current
        return False
    loaded.device = model.device
    return True
