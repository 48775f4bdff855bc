"""Building skrl agents (models, memory, skrl config) from a :class:`SkrlAgentCfg`."""

from __future__ import annotations

import re
from typing import Any

import torch
from skrl.agents.torch import Agent, ExperimentCfg
from skrl.agents.torch.a2c import A2C, A2C_CFG
from skrl.agents.torch.ddpg import DDPG, DDPG_CFG
from skrl.agents.torch.ppo import PPO, PPO_CFG
from skrl.agents.torch.sac import SAC, SAC_CFG
from skrl.agents.torch.td3 import TD3, TD3_CFG
from skrl.memories.torch import RandomMemory
from skrl.models.torch import Model
from skrl.resources.noises.torch import GaussianNoise
from skrl.resources.preprocessors.torch import RunningStandardScaler
from skrl.resources.schedulers.torch import KLAdaptiveLR

from genelab_backend_skrl.config import SkrlAgentCfg
from genelab_backend_skrl.distributed import is_distributed, synchronize_agent
from genelab_backend_skrl.models import (
    DeterministicPolicy,
    GaussianPolicy,
    QModel,
    ValueModel,
)
from genelab_backend_skrl.preprocessors import SynchronizedStandardScaler
from genelab_backend_skrl.wrapper import GenelabSkrlWrapper

_AGENTS: dict[str, tuple[type[Agent], type]] = {
    "PPO": (PPO, PPO_CFG), "A2C": (A2C, A2C_CFG), "SAC": (SAC, SAC_CFG),
    "TD3": (TD3, TD3_CFG), "DDPG": (DDPG, DDPG_CFG),
}


def build_models(cfg: SkrlAgentCfg, env: GenelabSkrlWrapper, device: torch.device
                 ) -> dict[str, Model]:
    """The models skrl's agent ``cfg.algorithm`` requires, keyed by skrl's role names."""
    obs, states, actions = env.observation_space, env.state_space, env.action_space
    models_cfg = cfg.models

    def q() -> QModel:
        return QModel(obs, states, actions, device, models_cfg.critic)

    if cfg.on_policy:
        return {"policy": GaussianPolicy(obs, actions, device, models_cfg.policy),
                "value": ValueModel(obs, states, actions, device, models_cfg.critic)}
    if cfg.algorithm == "SAC":
        return {"policy": GaussianPolicy(obs, actions, device, models_cfg.policy),
                "critic_1": q(), "critic_2": q(), "target_critic_1": q(), "target_critic_2": q()}
    policies = {"policy": DeterministicPolicy(obs, actions, device, models_cfg.policy),
                "target_policy": DeterministicPolicy(obs, actions, device, models_cfg.policy)}
    if cfg.algorithm == "TD3":
        return {**policies, "critic_1": q(), "critic_2": q(), "target_critic_1": q(),
                "target_critic_2": q()}
    return {**policies, "critic": q(), "target_critic": q()}


def skrl_agent_cfg(cfg: SkrlAgentCfg, env: GenelabSkrlWrapper, device: torch.device) -> Any:
    """skrl's config dataclass for ``cfg.algorithm``.

    skrl opens no writer and writes no checkpoints of its own (:func:`build_agent` hands
    it the run's writer; the backend writes checkpoints). Random warm-up actions are
    off: in skrl 2.1.1 they repeat one action. In distributed mode the normalizers are
    synchronised across ranks (:mod:`genelab_backend_skrl.distributed`).
    """
    hyper = cfg.hyperparameters
    kwargs = hyper.skrl_kwargs()
    scaler = SynchronizedStandardScaler if is_distributed() else RunningStandardScaler
    kwargs["experiment"] = ExperimentCfg(directory="", experiment_name="", write_interval=0,
                                         checkpoint_interval=0)
    if cfg.observation_normalization:
        kwargs["observation_preprocessor"] = scaler
        kwargs["observation_preprocessor_kwargs"] = {"size": env.observation_space,
                                                     "device": device}
        if env.state_space is not None:
            kwargs["state_preprocessor"] = scaler
            kwargs["state_preprocessor_kwargs"] = {"size": env.state_space, "device": device}
    if cfg.on_policy:
        kwargs["rollouts"] = cfg.steps_per_iteration
        if hyper.value_normalization:
            kwargs["value_preprocessor"] = scaler
            kwargs["value_preprocessor_kwargs"] = {"size": 1, "device": device}
        if hyper.kl_adaptive_lr:
            kwargs["learning_rate_scheduler"] = KLAdaptiveLR
            kwargs["learning_rate_scheduler_kwargs"] = {"kl_threshold": hyper.kl_target}
    else:
        kwargs["random_timesteps"] = 0
    if cfg.algorithm in ("TD3", "DDPG"):
        kwargs["exploration_noise"] = GaussianNoise
        kwargs["exploration_noise_kwargs"] = {"mean": 0.0, "std": hyper.exploration_noise_std,
                                              "device": device}
    if cfg.algorithm == "TD3":
        kwargs["smooth_regularization_noise"] = GaussianNoise
        kwargs["smooth_regularization_noise_kwargs"] = {
            "mean": 0.0, "std": hyper.smooth_regularization_std, "device": device}
    return _AGENTS[cfg.algorithm][1](**kwargs)


def build_agent(cfg: SkrlAgentCfg, env: GenelabSkrlWrapper, device: str | torch.device, *,
                writer: Any = None, training: bool = True) -> Agent:
    """An initialized skrl agent for ``env``; with ``training``, also its memory.

    ``writer`` (``TrainContext.metrics.library_writer(schema_name)``) receives skrl's
    scalars once per iteration; ``None`` writes none.
    """
    device = torch.device(device)
    memory = None
    if training:
        memory = RandomMemory(memory_size=cfg.memory_size, num_envs=env.num_envs, device=device)
    agent_class, _ = _AGENTS[cfg.algorithm]
    agent = agent_class(models=build_models(cfg, env, device), memory=memory,
                        observation_space=env.observation_space, state_space=env.state_space,
                        action_space=env.action_space, device=device,
                        cfg=skrl_agent_cfg(cfg, env, device))
    agent.init()
    if is_distributed():
        synchronize_agent(agent)
    if writer is not None:
        agent.writer, agent.write_interval = SkrlWriter(writer), cfg.steps_per_iteration
    return agent


#: skrl's tag categories that core measures itself (episode and speed statistics).
_CORE_CATEGORIES = {"Reward", "Episode", "Stats", "Info"}


def schema_name(tag: str) -> str | None:
    """The metrics-schema name of a skrl tag (``"Loss / Policy loss"`` -> ``Loss/policy``,
    ``"Learning / Learning rate"`` -> ``Train/learning_rate``), or ``None`` for the episode
    and speed statistics that core measures itself."""
    category, _, name = (part.strip() for part in tag.partition("/"))
    if category in _CORE_CATEGORIES:
        return None
    if category == "Loss":
        return f"Loss/{_slug(name.removesuffix(' loss'))}"
    if category == "Learning":
        return "Train/" + _slug(name.removeprefix("Policy "))
    return f"{category}/{_slug(name)}"


def _slug(text: str) -> str:
    """``"Q1 (max)"`` -> ``q1_max``."""
    return "_".join(re.findall(r"[a-z0-9]+", text.lower()))


class SkrlWriter:
    """skrl's writer interface (keyword-only ``add_scalar``) over core's metrics
    (``TrainContext.metrics.library_writer``)."""

    def __init__(self, writer: Any) -> None:
        self.writer = writer

    def add_scalar(self, *, tag: str, value: float, timestep: int) -> None:
        """Write one scalar at ``timestep``."""
        self.writer.add_scalar(tag, value, timestep)

    def flush(self) -> None:
        """Flush pending events."""
        self.writer.flush()

    def close(self) -> None:
        """Flush only: the writer is core's."""
        self.writer.flush()
