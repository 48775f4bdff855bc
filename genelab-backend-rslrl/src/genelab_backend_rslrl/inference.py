"""Checkpoints for playback: reading, shape checks against the env, the inference policy."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import torch
from genelab.rl import GenelabError, check_io_sizes, check_state_dict, load_checkpoint_file
from tensordict import TensorDict

from genelab_backend_rslrl.wrapper import clip_actions

_MLP_WEIGHT = re.compile(r"^mlp\.(\d+)\.weight$")


def load_checkpoint(path: Path, device: str) -> dict[str, Any]:
    """Read an rsl_rl checkpoint without running code (tensors and plain data only); an
    unreadable or unsafe file is a :class:`GenelabError`."""
    state = load_checkpoint_file(path, device)
    needed = ("actor_state_dict", "critic_state_dict", "optimizer_state_dict", "iter")
    if not isinstance(state, dict) or not set(needed) <= set(state):
        raise GenelabError(f"{path} is not an rsl_rl checkpoint (it needs {', '.join(needed)})")
    return state


def _mlp_dims(state: dict[str, torch.Tensor]) -> tuple[int, int] | None:
    """(input, output) size of the model's MLP, or ``None`` if it has no plain MLP."""
    layers = sorted((int(m[1]), key) for key in state if (m := _MLP_WEIGHT.match(key)))
    if not layers:
        return None
    return state[layers[0][1]].shape[1], state[layers[-1][1]].shape[0]


def check_compatible(model: torch.nn.Module, saved: dict[str, torch.Tensor], *, role: str,
                     groups: list[str], num_actions: int, task_id: str,
                     checkpoint: Path) -> None:
    """Raise a :class:`GenelabError` naming both shapes if ``saved`` cannot load into ``model``.

    ``role`` is ``"actor"`` or ``"critic"``; ``groups`` are the observation groups the model
    reads, used to name the observation count in the message.
    """
    expected = model.state_dict()
    mine, theirs = _mlp_dims(expected), _mlp_dims(saved)
    if mine is not None and theirs is not None:
        check_io_sizes(checkpoint, task_id, observations=(theirs[0], mine[0]),
                       groups="+".join(groups))
        if role == "actor":
            check_io_sizes(checkpoint, task_id,
                           actions=(theirs[1] * num_actions // mine[1], num_actions))
    check_state_dict(expected, saved, what=f"{role} network", checkpoint=checkpoint,
                     task_id=task_id)


class RslRlPolicy:
    """The trained actor as a GeneLab policy: observation groups in, actions out.

    Observation normalization is part of the actor; actions get the same clipping as in
    training. Deterministic (the distribution mean) unless ``deterministic`` is false.

    Args:
        actor: rsl_rl's inference policy (``runner.get_inference_policy()``).
        clip: The agent config's ``clip_actions``.
        deterministic: Return the mean action instead of a sample.
    """

    def __init__(self, actor: torch.nn.Module, clip: float | None, deterministic: bool = True
                 ) -> None:
        self.actor = actor
        self.clip = clip
        self.deterministic = deterministic

    def __call__(self, obs: dict[str, torch.Tensor]) -> torch.Tensor:
        """Actions ``(num_envs, action_dim)`` for a batch of observation groups."""
        batch = next(iter(obs.values())).shape[0]
        with torch.inference_mode():
            actions = self.actor(TensorDict(dict(obs), batch_size=[batch]),
                                 stochastic_output=not self.deterministic)
        return clip_actions(actions, self.clip)
