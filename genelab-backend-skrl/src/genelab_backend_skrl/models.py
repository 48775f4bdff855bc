"""The skrl models of the backend: MLP policies, state-value and Q networks.

Every network is ``self.net`` (an ``nn.Sequential`` whose first layer reads the model's
input), so checkpoints of all algorithms share key names and shape checks.
"""

from __future__ import annotations

from typing import Any

import gymnasium
import torch
from skrl.models.torch import DeterministicMixin, GaussianMixin, Model
from torch import nn

from genelab_backend_skrl.config import SkrlMlpCfg, SkrlPolicyCfg

_ACTIVATIONS: dict[str, type[nn.Module]] = {
    "elu": nn.ELU, "relu": nn.ReLU, "tanh": nn.Tanh, "leaky_relu": nn.LeakyReLU,
    "gelu": nn.GELU, "silu": nn.SiLU,
}


def mlp(inputs: int, cfg: SkrlMlpCfg, outputs: int) -> nn.Sequential:
    """``inputs -> hidden_dims (activation after each) -> outputs`` (linear output)."""
    layers: list[nn.Module] = []
    size = inputs
    for hidden in cfg.hidden_dims:
        layers += [nn.Linear(size, hidden), _ACTIVATIONS[cfg.activation]()]
        size = hidden
    layers.append(nn.Linear(size, outputs))
    return nn.Sequential(*layers)


class _Squash(nn.Module):
    """``tanh`` scaled into the ``[low, high]`` bounds of a Box action space."""

    def __init__(self, space: gymnasium.spaces.Box, device: torch.device) -> None:
        super().__init__()
        low = torch.as_tensor(space.low, dtype=torch.float32, device=device)
        high = torch.as_tensor(space.high, dtype=torch.float32, device=device)
        self.register_buffer("center", (high + low) / 2, persistent=False)
        self.register_buffer("half_range", (high - low) / 2, persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Bounded actions."""
        return self.center + self.half_range * torch.tanh(x)


class GaussianPolicy(GaussianMixin, Model):
    """Gaussian policy: the MLP gives the mean, the log std is a learned parameter.

    Reads ``observations`` (the env's ``policy`` group). ``outputs["mean_actions"]`` is the
    deterministic action.
    """

    def __init__(self, observation_space: gymnasium.Space, action_space: gymnasium.Space,
                 device: torch.device, cfg: SkrlPolicyCfg) -> None:
        Model.__init__(self, observation_space=observation_space, action_space=action_space,
                       device=device)
        GaussianMixin.__init__(self, clip_actions=False, clip_log_std=True,
                               min_log_std=cfg.min_log_std, max_log_std=cfg.max_log_std)
        self.net = mlp(self.num_observations, cfg, self.num_actions)
        self.squash = _Squash(action_space, self.device) if cfg.squash_mean else nn.Identity()
        self.log_std = nn.Parameter(torch.full((self.num_actions,), cfg.initial_log_std))

    def compute(self, inputs: dict[str, Any], role: str = "") -> tuple[torch.Tensor, dict]:
        """Mean actions and ``{"log_std": ...}``."""
        mean = self.squash(self.net(inputs["observations"]))
        return mean, {"log_std": self.log_std.expand_as(mean)}


class DeterministicPolicy(DeterministicMixin, Model):
    """Deterministic policy squashed into the action bounds (TD3, DDPG)."""

    def __init__(self, observation_space: gymnasium.Space, action_space: gymnasium.Space,
                 device: torch.device, cfg: SkrlMlpCfg) -> None:
        Model.__init__(self, observation_space=observation_space, action_space=action_space,
                       device=device)
        DeterministicMixin.__init__(self, clip_actions=False)
        self.net = mlp(self.num_observations, cfg, self.num_actions)
        self.squash = _Squash(action_space, self.device)

    def compute(self, inputs: dict[str, Any], role: str = "") -> tuple[torch.Tensor, dict]:
        """Actions within the action bounds."""
        return self.squash(self.net(inputs["observations"])), {}


class _Critic(DeterministicMixin, Model):
    """Base of the value and Q networks: reads ``states`` when the env has a critic group."""

    def __init__(self, observation_space: gymnasium.Space, state_space: gymnasium.Space | None,
                 action_space: gymnasium.Space, device: torch.device, cfg: SkrlMlpCfg,
                 with_actions: bool) -> None:
        Model.__init__(self, observation_space=observation_space, state_space=state_space,
                       action_space=action_space, device=device)
        DeterministicMixin.__init__(self)
        self.input_key = "states" if state_space is not None else "observations"
        inputs = self.num_states if state_space is not None else self.num_observations
        self.with_actions = with_actions
        self.net = mlp(inputs + (self.num_actions if with_actions else 0), cfg, 1)

    def compute(self, inputs: dict[str, Any], role: str = "") -> tuple[torch.Tensor, dict]:
        """Values ``(batch, 1)``."""
        x = inputs[self.input_key]
        if self.with_actions:
            x = torch.cat((x, inputs["taken_actions"]), dim=-1)
        return self.net(x), {}


class ValueModel(_Critic):
    """State-value network V(s) of PPO/A2C."""

    def __init__(self, observation_space: gymnasium.Space, state_space: gymnasium.Space | None,
                 action_space: gymnasium.Space, device: torch.device, cfg: SkrlMlpCfg) -> None:
        super().__init__(observation_space, state_space, action_space, device, cfg,
                         with_actions=False)


class QModel(_Critic):
    """Action-value network Q(s, a) of SAC/TD3/DDPG."""

    def __init__(self, observation_space: gymnasium.Space, state_space: gymnasium.Space | None,
                 action_space: gymnasium.Space, device: torch.device, cfg: SkrlMlpCfg) -> None:
        super().__init__(observation_space, state_space, action_space, device, cfg,
                         with_actions=True)
