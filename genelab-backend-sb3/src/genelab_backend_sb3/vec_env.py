"""Adapter from GeneLab's batched torch ``ManagerBasedRlEnv`` to SB3's numpy ``VecEnv``."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import torch
from gymnasium import spaces
from stable_baselines3.common.vec_env.base_vec_env import VecEnv, VecEnvIndices

#: SB3's goal-dict keys and the GeneLab observation group each one reads.
GOAL_KEYS: dict[str, str] = {"observation": "policy", "achieved_goal": "achieved_goal",
                             "desired_goal": "desired_goal"}
POLICY_GROUP = "policy"


class GenelabSb3VecEnv(VecEnv):
    """Presents a ``ManagerBasedRlEnv`` as a Stable-Baselines3 ``VecEnv``.

    Plain tasks give the ``policy`` group as a Box; goal tasks (see
    ``ManagerBasedRlEnv.is_goal_task``) give SB3's goal dict (``observation``,
    ``achieved_goal``, ``desired_goal``), which ``MultiInputPolicy`` and HER read.

    Each step makes ONE device-to-host copy: observations, pre-reset observations,
    rewards, flags and episode statistics are packed into one tensor first. Only the envs
    that finished get ``infos`` entries:

    * ``terminal_observation``: the true observation before the auto-reset (SB3 bootstraps
      time-outs from it and HER relabels with it);
    * ``TimeLimit.truncated``: truncated and not terminated;
    * ``episode``: ``{"r": return, "l": length, "t": seconds since creation}`` for SB3's
      episode statistics (no ``VecMonitor`` needed);
    * ``is_success``: for goal tasks with a success term.

    ``env_method`` calls the batched env once (e.g. HER's ``compute_reward`` on a whole
    batch of goals) and returns numpy results. The env's per-term episode statistics are
    core's metrics (``TrainContext.metrics``), not SB3's.

    Args:
        env: The GeneLab env (built and seeded); it stays owned by the caller.
    """

    def __init__(self, env: Any) -> None:
        self.env = env
        self.goal_task = bool(env.is_goal_task)
        self._keys = GOAL_KEYS if self.goal_task else {POLICY_GROUP: POLICY_GROUP}
        dims = env.observation_dims
        per_group = env.single_observation_space
        boxes = {key: per_group[group] for key, group in self._keys.items()}
        observation_space = spaces.Dict(boxes) if self.goal_task else boxes[POLICY_GROUP]
        widths = [dims[group] for group in self._keys.values()]
        self._obs_width = sum(widths)
        self._offsets = np.cumsum(widths)[:-1]
        self._actions: torch.Tensor | None = None
        self._start = time.perf_counter()
        super().__init__(env.num_envs, observation_space, env.single_action_space)

    # -- packing: one host copy per step --------------------------------------------------

    def _flat(self, obs: dict[str, torch.Tensor]) -> list[torch.Tensor]:
        return [obs[group] for group in self._keys.values()]

    def _unpack(self, flat: np.ndarray) -> Any:
        """Numpy observations (a dict for goal tasks) from packed columns ``(..., width)``."""
        parts = np.split(flat, self._offsets, axis=-1)
        if not self.goal_task:
            return parts[0].copy()
        return {key: part.copy() for key, part in zip(self._keys, parts, strict=True)}

    # -- VecEnv API -------------------------------------------------------------------------

    def reset(self) -> Any:
        """Reset every env (with the seed SB3 set through :meth:`seed`, if any)."""
        obs, _ = self.env.reset(seed=self._seeds[0])
        self._reset_seeds()
        return self.observations()

    def observations(self) -> Any:
        """The env's latest observations as SB3 sees them (numpy; a dict for goal tasks)."""
        return self._unpack(torch.cat(self._flat(self.env.obs_buf), dim=1).cpu().numpy())

    def step_async(self, actions: np.ndarray) -> None:
        """Queue ``actions`` ``(N, action_dim)`` (SB3 already clipped or unscaled them)."""
        self._actions = torch.as_tensor(actions, dtype=torch.float32, device=self.env.device)

    def step_wait(self) -> tuple[Any, np.ndarray, np.ndarray, list[dict[str, Any]]]:
        """Step every env; returns numpy ``(obs, rewards, dones, infos)``."""
        assert self._actions is not None, "step_async must come first"
        obs, reward, terminated, truncated, extras = self.env.step(self._actions)
        columns = [*self._flat(obs), *self._flat(extras["final_obs"]),
                   reward.unsqueeze(1), terminated.unsqueeze(1), truncated.unsqueeze(1),
                   extras["episode_return"].unsqueeze(1), extras["episode_length"].unsqueeze(1)]
        success = extras.get("success")
        if success is not None:
            columns.append(success.unsqueeze(1))
        packed = torch.cat([c.to(torch.float32) for c in columns], dim=1).cpu().numpy()
        width = self._obs_width
        final = packed[:, width:2 * width]
        stats = packed[:, 2 * width:]
        rewards = np.ascontiguousarray(stats[:, 0])
        dones = stats[:, 1] + stats[:, 2] > 0
        infos: list[dict[str, Any]] = [{} for _ in range(self.num_envs)]
        elapsed = round(time.perf_counter() - self._start, 6)
        finished = np.flatnonzero(dones)
        for i in finished:
            info = infos[i]
            info["terminal_observation"] = self._unpack(final[i])
            info["TimeLimit.truncated"] = bool(stats[i, 2] > 0 and stats[i, 1] == 0)
            info["episode"] = {"r": float(stats[i, 3]), "l": int(stats[i, 4]), "t": elapsed}
            if success is not None:
                info["is_success"] = bool(stats[i, 5] > 0)
        return self._unpack(packed[:, :width]), rewards, dones, infos

    def close(self) -> None:
        """Nothing to release: the GeneLab env belongs to the caller, who closes it."""

    def get_attr(self, attr_name: str, indices: VecEnvIndices = None) -> list[Any]:
        """The batched env's attribute, once per index."""
        value = getattr(self.env, attr_name)
        return [value for _ in self._get_indices(indices)]

    def set_attr(self, attr_name: str, value: Any, indices: VecEnvIndices = None) -> None:
        """Set an attribute of the batched env (it is shared by every index)."""
        setattr(self.env, attr_name, value)

    def env_method(self, method_name: str, *method_args: Any, indices: VecEnvIndices = None,
                   **method_kwargs: Any) -> list[Any]:
        """Call a method of the batched env ONCE; its (numpy) result is given per index.

        Batched methods such as ``compute_reward(achieved, desired, infos)`` therefore
        answer a whole batch in one call, as HER asks with ``indices=[0]``.
        """
        result = getattr(self.env, method_name)(*method_args, **method_kwargs)
        if isinstance(result, torch.Tensor):
            result = result.cpu().numpy()
        return [result for _ in self._get_indices(indices)]

    def env_is_wrapped(self, wrapper_class: type, indices: VecEnvIndices = None) -> list[bool]:
        """GeneLab envs are not gymnasium-wrapped."""
        return [False for _ in self._get_indices(indices)]

    def get_images(self) -> Sequence[np.ndarray | None]:
        """An RGB frame of every env."""
        return [self.env.render(i) for i in range(self.num_envs)]

    def _get_indices(self, indices: VecEnvIndices) -> Iterable[int]:
        if indices is None:
            return range(self.num_envs)
        if isinstance(indices, int):
            return [indices]
        return indices
