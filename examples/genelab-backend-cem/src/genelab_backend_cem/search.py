"""The CEM search in plain torch: parameter layout, batched actions, elite refit, the policy.

This module imports torch at module level; the backend imports it inside its methods.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from genelab.rl import GenelabError, load_checkpoint_file

#: What every CEM checkpoint holds besides the snapshot.
CHECKPOINT_KEYS = ("mean", "std", "iteration", "env_steps", "obs_dim", "action_dim")


def param_count(obs_dim: int, action_dim: int) -> int:
    """Entries of one parameter vector: the weights ``W`` (obs x actions), then the bias ``b``."""
    return obs_dim * action_dim + action_dim


def unpack(theta: torch.Tensor, obs_dim: int, action_dim: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``(W, b)`` of parameter vectors ``(..., D)``: ``(..., obs, actions)`` and ``(..., actions)``."""
    split = obs_dim * action_dim
    return theta[..., :split].unflatten(-1, (obs_dim, action_dim)), theta[..., split:]


def population_actions(obs: torch.Tensor, weights: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    """``tanh(obs_i @ W_i + b_i)`` for every env ``i`` at once: obs ``(N, obs)``, per-env
    weights ``(N, obs, actions)`` and biases ``(N, actions)``."""
    return torch.tanh(torch.baddbmm(bias.unsqueeze(1), obs.unsqueeze(1), weights).squeeze(1))


def refit(candidates: torch.Tensor, fitness: torch.Tensor, num_elites: int,
          min_std: float) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Mean and std (floored at ``min_std``) of the ``num_elites`` fittest candidates, and
    the elites' indices."""
    elites = torch.topk(fitness, num_elites).indices
    chosen = candidates[elites]
    std = chosen.std(dim=0, unbiased=False).clamp_min(min_std)
    return chosen.mean(dim=0), std, elites


def load_cem_checkpoint(path: Path, device: str) -> dict[str, Any]:
    """Read a CEM checkpoint (tensors and numbers only); anything else is a GenelabError."""
    state = load_checkpoint_file(path, device)
    if not isinstance(state, dict) or not set(CHECKPOINT_KEYS) <= set(state):
        raise GenelabError(f"{Path(path).name} is not a CEM checkpoint (it needs "
                           f"{', '.join(CHECKPOINT_KEYS)})")
    expected = param_count(int(state["obs_dim"]), int(state["action_dim"]))
    for key in ("mean", "std"):
        if tuple(state[key].shape) != (expected,):
            raise GenelabError(f"{Path(path).name}: {key} has shape {tuple(state[key].shape)}, "
                               f"expected ({expected},) for {state['obs_dim']} observations "
                               f"and {state['action_dim']} actions")
    return state


class LinearTanhPolicy(torch.nn.Module):
    """The mean of the search as a GeneLab policy: ``tanh(obs[group] @ W + b)``.

    A module with its parameters as buffers, so ``genelab export`` traces it whole.
    """

    def __init__(self, weight: torch.Tensor, bias: torch.Tensor, group: str = "policy") -> None:
        super().__init__()
        self.group = group
        self.register_buffer("weight", weight.detach().clone())
        self.register_buffer("bias", bias.detach().clone())

    def forward(self, obs: dict[str, torch.Tensor]) -> torch.Tensor:
        """Actions ``(batch, actions)`` for a batch of observation groups."""
        return torch.tanh(torch.addmm(self.bias, obs[self.group], self.weight))
