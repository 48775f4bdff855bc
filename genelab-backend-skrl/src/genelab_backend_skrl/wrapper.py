"""Adapter from GeneLab's ``ManagerBasedRlEnv`` to skrl's torch ``Wrapper``."""

from __future__ import annotations

from typing import Any

import torch
from skrl.envs.wrappers.torch import Wrapper

#: The observation group the policy reads, and the optional privileged group of critics.
POLICY_GROUP = "policy"
CRITIC_GROUP = "critic"


class GenelabSkrlWrapper(Wrapper):
    """Presents a ``ManagerBasedRlEnv`` as a vectorized skrl environment.

    Spaces are per env (no batch dimension): ``observation_space`` is the ``policy`` group,
    ``state_space`` the ``critic`` group (``None`` without one, and :meth:`state` then
    returns ``None``). ``reward``, ``terminated`` and ``truncated`` come back as ``(N, 1)``.

    ``step`` returns the post-reset observation (what the agent acts on next). The
    pre-reset observation of envs that finished is in ``info["final_observations"]`` (and
    ``info["final_states"]``): that is the ``next_observations`` a transition must store,
    so time-outs bootstrap from the state the episode actually reached. ``info`` also
    carries the env's ``episode_return`` and ``episode_length``.

    Args:
        env: The GeneLab env (built and seeded).
    """

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        spaces = env.single_observation_space
        self._observation_space = spaces[POLICY_GROUP]
        self._state_space = spaces[CRITIC_GROUP] if CRITIC_GROUP in spaces.spaces else None
        self._states: torch.Tensor | None = None

    @property
    def observation_space(self) -> Any:
        """Per-env Box of the ``policy`` group."""
        return self._observation_space

    @property
    def state_space(self) -> Any:
        """Per-env Box of the ``critic`` group, or ``None``."""
        return self._state_space

    @property
    def action_space(self) -> Any:
        """Per-env Box of the actions (the env clips to it)."""
        return self._env.single_action_space

    def _states_of(self, obs: dict[str, torch.Tensor]) -> torch.Tensor | None:
        return obs[CRITIC_GROUP] if self._state_space is not None else None

    def reset(self) -> tuple[torch.Tensor, dict[str, Any]]:
        """Reset every env; returns the ``policy`` observations and the env's extras."""
        obs, extras = self._env.reset()
        self._states = self._states_of(obs)
        return obs[POLICY_GROUP], extras

    def step(self, actions: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor,
                                                   torch.Tensor, dict[str, Any]]:
        """Step every env (auto-reset); see the class docstring for the returned info."""
        obs, reward, terminated, truncated, extras = self._env.step(actions)
        self._states = self._states_of(obs)
        final = extras["final_obs"]
        info = {
            "final_observations": final[POLICY_GROUP],
            "final_states": self._states_of(final),
            "episode_return": extras["episode_return"],
            "episode_length": extras["episode_length"],
        }
        return (obs[POLICY_GROUP], reward.view(-1, 1), terminated.view(-1, 1),
                truncated.view(-1, 1), info)

    def observations(self) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The env's latest ``policy`` observations and ``critic`` states (after its last
        reset, step or restore)."""
        obs = self._env.obs_buf
        self._states = self._states_of(obs)
        return obs[POLICY_GROUP], self._states

    def state(self) -> torch.Tensor | None:
        """The latest ``critic`` observations, or ``None`` without a critic group."""
        return self._states

    def render(self, *args: Any, **kwargs: Any) -> Any:
        """A frame of env 0."""
        return self._env.render()

    def close(self) -> None:
        """Close the env."""
        self._env.close()
