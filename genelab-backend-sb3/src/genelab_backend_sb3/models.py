"""Builds an SB3 model from an :class:`Sb3AgentCfg` on a :class:`GenelabSb3VecEnv`."""

from __future__ import annotations

from typing import Any

import numpy as np
import stable_baselines3
import torch
from gymnasium import spaces
from stable_baselines3 import HerReplayBuffer
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.noise import NormalActionNoise, VectorizedActionNoise
from stable_baselines3.common.vec_env import VecEnv, VecNormalize

from genelab_backend_sb3.config import Sb3AgentCfg
from genelab_backend_sb3.vec_env import GenelabSb3VecEnv

ACTIVATIONS: dict[str, type[torch.nn.Module]] = {
    "tanh": torch.nn.Tanh, "relu": torch.nn.ReLU, "elu": torch.nn.ELU,
    "leaky_relu": torch.nn.LeakyReLU, "gelu": torch.nn.GELU, "silu": torch.nn.SiLU,
}
#: Algorithms whose policies have a ``log_std_init`` argument.
_GAUSSIAN = ("PPO", "A2C", "SAC")


def training_env(cfg: Sb3AgentCfg, env: Any) -> VecEnv:
    """The GeneLab env as SB3 trains on it: the adapter, inside ``VecNormalize`` (observations
    only) when the config normalizes observations."""
    venv = GenelabSb3VecEnv(env)
    if not cfg.observation_normalization:
        return venv
    return VecNormalize(venv, norm_obs=True, norm_reward=False, clip_obs=cfg.clip_observations)


def algorithm_class(name: str) -> type[BaseAlgorithm]:
    """SB3's class of algorithm ``name`` (``"PPO"`` ... ``"DDPG"``)."""
    return getattr(stable_baselines3, name)


def policy_name(venv: VecEnv) -> str:
    """``MultiInputPolicy`` for goal dicts, ``MlpPolicy`` otherwise."""
    return "MultiInputPolicy" if isinstance(venv.observation_space, spaces.Dict) else "MlpPolicy"


def _policy_kwargs(cfg: Sb3AgentCfg) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"net_arch": list(cfg.policy.net_arch)}
    if cfg.policy.activation is not None:
        kwargs["activation_fn"] = ACTIVATIONS[cfg.policy.activation]
    if cfg.policy.log_std_init is not None and cfg.algorithm in _GAUSSIAN:
        kwargs["log_std_init"] = cfg.policy.log_std_init
    return kwargs


def _off_policy_kwargs(cfg: Sb3AgentCfg, venv: VecEnv, training: bool
                       ) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    noise_std = getattr(cfg.hyperparameters, "action_noise_std", 0.0)
    if noise_std > 0:
        dim = venv.action_space.shape[0]
        noise = NormalActionNoise(mean=np.zeros(dim), sigma=np.full(dim, noise_std))
        kwargs["action_noise"] = VectorizedActionNoise(noise, venv.num_envs)
    if cfg.her.enabled:
        kwargs["replay_buffer_class"] = HerReplayBuffer
        kwargs["replay_buffer_kwargs"] = {
            "n_sampled_goal": cfg.her.n_sampled_goal,
            "goal_selection_strategy": cfg.her.goal_selection_strategy,
        }
    if not training:  # playback never fills the replay buffer: allocate one row
        kwargs["buffer_size"] = venv.num_envs
    return kwargs


def build_model(cfg: Sb3AgentCfg, venv: VecEnv, device: str, *,
                training: bool = True) -> BaseAlgorithm:
    """The SB3 model of ``cfg`` on ``venv``, seeded with ``cfg.seed``.

    ``training=False`` builds it for playback only (no replay buffer memory).
    """
    kwargs = cfg.hyperparameters.sb3_kwargs(cfg.steps_per_iteration)
    if cfg.algorithm == "PPO" and not training:  # the play env's count need not fit batches
        kwargs["batch_size"] = max(2, cfg.steps_per_iteration * venv.num_envs)
    if not cfg.on_policy:
        kwargs.update(_off_policy_kwargs(cfg, venv, training))
    return algorithm_class(cfg.algorithm)(
        policy_name(venv), venv, policy_kwargs=_policy_kwargs(cfg), device=device,
        seed=cfg.seed, verbose=0, **kwargs)
