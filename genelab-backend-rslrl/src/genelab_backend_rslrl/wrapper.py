"""Adapter from GeneLab's ``ManagerBasedRlEnv`` to rsl-rl-lib's ``VecEnv``."""

from __future__ import annotations

from typing import Any

import torch
from rsl_rl.env import VecEnv
from tensordict import TensorDict


def clip_actions(actions: torch.Tensor, bound: float | None) -> torch.Tensor:
    """Clamp ``actions`` to ``[-bound, bound]``; ``None`` returns them unchanged.

    Training (the wrapper) and playback (the inference policy) both use this, so the
    env sees the same actions in both.
    """
    return actions if bound is None else torch.clamp(actions, -bound, bound)


class RslRlVecEnvWrapper(VecEnv):
    """Presents a ``ManagerBasedRlEnv`` as an rsl_rl ``VecEnv``.

    Observations are the env's own (never recomputed here), returned as a ``TensorDict``
    of groups. ``dones`` is ``terminated | truncated``; ``extras["time_outs"]`` marks the
    truncations and ``extras["final_obs"]`` holds the pre-reset observation groups, from
    which :class:`~genelab_backend_rslrl.runner.GenelabOnPolicyRunner` bootstraps them. The
    env's episode statistics are not passed on: core's metrics count them per episode
    (rsl_rl would average them per step).

    Args:
        env: The GeneLab env (already built and seeded).
        clip_actions: Clamp bound applied to actions before ``env.step`` (``None``: off).
    """

    def __init__(self, env: Any, clip_actions: float | None = None) -> None:
        self.env = env
        self.clip_actions = clip_actions
        self.num_envs: int = env.num_envs
        self.num_actions: int = env.action_dim
        self.max_episode_length: int = env.max_episode_length
        self.device: torch.device = torch.device(env.device)
        self.cfg = env.cfg
        env.reset()

    @property
    def observation_groups(self) -> list[str]:
        """Names of the env's observation groups."""
        return list(self.env.observation_dims)

    @property
    def episode_length_buf(self) -> torch.Tensor:
        """The env's per-env step counter (rsl_rl randomizes it at the start)."""
        return self.env.episode_length_buf

    @episode_length_buf.setter
    def episode_length_buf(self, value: torch.Tensor) -> None:
        self.env.episode_length_buf = value

    def _as_tensordict(self, obs: dict[str, torch.Tensor]) -> TensorDict:
        return TensorDict(obs, batch_size=[self.num_envs], device=self.device)

    def get_observations(self) -> TensorDict:
        """The env's latest observation groups (after its last reset, step or restore)."""
        return self._as_tensordict(self.env.obs_buf)

    def step(self, actions: torch.Tensor) -> tuple[TensorDict, torch.Tensor, torch.Tensor, dict]:
        """Step all envs; returns ``(obs, rewards, dones, extras)`` as rsl_rl expects."""
        obs, rewards, terminated, truncated, env_extras = self.env.step(
            clip_actions(actions, self.clip_actions)
        )
        dones = terminated | truncated
        extras = {"time_outs": truncated, "final_obs": self._as_tensordict(env_extras["final_obs"])}
        return self._as_tensordict(obs), rewards, dones, extras
