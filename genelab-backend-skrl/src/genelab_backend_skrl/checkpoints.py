"""Checkpoints: atomic writes, safe reading, shape checks, restoring an agent.

A checkpoint is skrl's own layout (one ``state_dict`` per entry of the agent's
``checkpoint_modules``, loadable with ``agent.load``) plus a ``"genelab"`` entry with the
algorithm, counters, the agent state skrl does not save (SAC's entropy coefficient, TD3's
update counter, the learning-rate scheduler, the episode statistics behind TensorBoard),
the trainer's episode buffers and GeneLab's snapshot (random-number and env state), so a
resumed run continues exactly. Off-policy runs keep the replay memory of their latest
checkpoint beside it (``memory_<timestep>.pt``). Everything is tensors and plain data,
read with ``weights_only=True``.
"""

from __future__ import annotations

import collections
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import torch
from genelab.rl import (
    GenelabError,
    check_io_sizes,
    check_state_dict,
    keep_only,
    load_checkpoint_file,
    save_checkpoint_file,
)
from skrl.agents.torch import Agent
from skrl.memories.torch import Memory

#: Name pattern of checkpoint files (``<run>/checkpoints/agent_<timestep>.pt``).
CHECKPOINT_PATTERN = r"agent_(\d+)\.pt"
META = "genelab"


def checkpoint_path(run_dir: Path, timestep: int) -> Path:
    """Where the checkpoint after ``timestep`` vectorized env steps goes."""
    return run_dir / "checkpoints" / f"agent_{timestep}.pt"


def _learned_extra(agent: Agent) -> dict[str, Any]:
    """What the agent learns that skrl does not save: SAC's entropy coefficient, TD3's
    update counter (its policy-delay phase) and the learning-rate scheduler."""
    extra: dict[str, Any] = {}
    coefficient = getattr(agent, "log_entropy_coefficient", None)
    if coefficient is not None:
        extra["log_entropy_coefficient"] = coefficient.detach().clone()
    if hasattr(agent, "_update_counter"):
        extra["update_counter"] = int(agent._update_counter)
    scheduler = getattr(agent, "scheduler", None)
    if scheduler is not None:
        extra["scheduler"] = scheduler.state_dict()
    return extra


def _module_states(agent: Agent) -> dict[str, Any]:
    """The states of skrl's checkpointed modules (models, optimizers, normalizers)."""
    return {name: module.state_dict() for name, module in agent.checkpoint_modules.items()}


def learner_state(agent: Agent) -> dict[str, Any]:
    """Everything the agent learns: :func:`_module_states` and, under ``"extra"``,
    :func:`_learned_extra` (what the ranks of a distributed run must agree on)."""
    return {**_module_states(agent), "extra": _learned_extra(agent)}


def _extra_state(agent: Agent) -> dict[str, Any]:
    """:func:`_learned_extra` and the episode statistics the agent keeps for TensorBoard."""
    extra = _learned_extra(agent)
    extra["tracking"] = {
        "cumulative_rewards": agent._cumulative_rewards,
        "cumulative_timesteps": agent._cumulative_timesteps,
        "rewards": [float(v) for v in agent._track_rewards],
        "timesteps": [int(v) for v in agent._track_timesteps],
        "data": {tag: [float(v) for v in values] for tag, values in agent.tracking_data.items()},
    }
    return extra


def save_checkpoint(agent: Agent, path: Path, meta: dict[str, Any]) -> None:
    """Write the agent's modules and ``meta`` (counters, buffers, snapshot) atomically."""
    state = _module_states(agent)
    state[META] = {**meta, "extra": _extra_state(agent)}
    save_checkpoint_file(state, path)


def load_checkpoint(path: Path, device: str | torch.device) -> dict[str, Any]:
    """Read a checkpoint of this backend without running code; an unreadable or unsafe
    file is a :class:`GenelabError`."""
    state = load_checkpoint_file(path, device)
    meta = state.get(META) if isinstance(state, dict) else None
    if not isinstance(meta, dict) or "policy" not in state or not {
            "algorithm", "iteration", "timestep", "wall_time", "extra"} <= set(meta):
        raise GenelabError(f"{path} is not a checkpoint of the skrl backend")
    return state


def _io_dims(state: dict[str, torch.Tensor]) -> tuple[int, int]:
    """(inputs, outputs) of a model whose MLP is ``net``."""
    weights = sorted((int(key.split(".")[1]), key) for key in state
                     if key.startswith("net.") and key.endswith(".weight"))
    return state[weights[0][1]].shape[1], state[weights[-1][1]].shape[0]


def check_compatible(agent: Agent, state: dict[str, Any], *, algorithm: str, task_id: str,
                     checkpoint: Path, names: Iterable[str] | None = None) -> None:
    """Raise a :class:`GenelabError` naming both shapes if ``state`` cannot load into ``agent``.

    ``names`` limits the check to some checkpoint modules (default: all of the agent's).
    """
    name = checkpoint.name
    saved_algorithm = state[META].get("algorithm")
    if saved_algorithm != algorithm:
        raise GenelabError(f"checkpoint {name} was trained with {saved_algorithm} but the "
                           f"agent config selects {algorithm}; select the matching preset")
    policy = agent.checkpoint_modules["policy"]
    mine, theirs = _io_dims(policy.state_dict()), _io_dims(state["policy"])
    check_io_sizes(checkpoint, task_id, observations=(theirs[0], mine[0]),
                   actions=(theirs[1], mine[1]))
    for module_name in names if names is not None else agent.checkpoint_modules:
        module = agent.checkpoint_modules[module_name]
        if module_name not in state:
            raise GenelabError(f"checkpoint {name} has no {module_name} but the agent config "
                               f"uses one (was it trained with other settings?)")
        if isinstance(module, torch.nn.Module):
            check_state_dict(module.state_dict(), state[module_name], what=module_name,
                             checkpoint=checkpoint, task_id=task_id)


def memory_path(checkpoint: Path) -> Path:
    """The replay memory file saved with ``checkpoint`` (``memory_<timestep>.pt``)."""
    return checkpoint.with_name(checkpoint.name.replace("agent_", "memory_", 1))


def save_memory(memory: Memory, checkpoint: Path) -> None:
    """Write the replay memory beside ``checkpoint`` atomically; older memories are deleted
    (each holds the whole buffer, so only the latest checkpoint keeps one)."""
    path = memory_path(checkpoint)
    state = {"tensors": {name: memory.get_tensor_by_name(name)
                         for name in memory.get_tensor_names()},
             "memory_index": memory.memory_index, "env_index": memory.env_index,
             "filled": memory.filled}
    save_checkpoint_file(state, path)
    keep_only(path, "memory_*.pt")


def restore_memory(memory: Memory, checkpoint: Path) -> bool:
    """Refill ``memory`` from the file saved with ``checkpoint``; ``False`` (with a note on
    stderr) when there is none, or it was collected with another memory size or env count."""
    path = memory_path(checkpoint)
    if not path.exists():
        print(f"note: {checkpoint.name} has no saved replay memory (only the latest "
              "checkpoint keeps one); collecting a fresh one", file=sys.stderr)
        return False
    state = load_checkpoint_file(path, memory.device)
    if not isinstance(state, dict) or not {"tensors", "memory_index", "env_index",
                                           "filled"} <= set(state):
        raise GenelabError(f"{path} is not a replay memory of the skrl backend")
    saved = state["tensors"]
    mine = {name: memory.get_tensor_by_name(name) for name in memory.get_tensor_names()}
    if set(saved) != set(mine) or any(saved[n].shape != t.shape for n, t in mine.items()):
        print(f"note: the replay memory of {checkpoint.name} has other sizes than this run's "
              "(memory size or env count changed); collecting a fresh one", file=sys.stderr)
        return False
    for name, tensor in mine.items():
        tensor.copy_(saved[name])
    memory.memory_index, memory.env_index = state["memory_index"], state["env_index"]
    memory.filled = state["filled"]
    return True


def restore(agent: Agent, state: dict[str, Any], names: Iterable[str] | None = None) -> None:
    """Load checkpoint modules (all, or ``names``) and the extra agent state into ``agent``."""
    for module_name in names if names is not None else agent.checkpoint_modules:
        agent.checkpoint_modules[module_name].load_state_dict(state[module_name])
    extra = state[META]["extra"]
    coefficient = extra.get("log_entropy_coefficient")
    if coefficient is not None and hasattr(agent, "log_entropy_coefficient"):
        with torch.no_grad():
            agent.log_entropy_coefficient.copy_(coefficient)
        agent._entropy_coefficient = torch.exp(agent.log_entropy_coefficient.detach())
    if "update_counter" in extra and hasattr(agent, "_update_counter"):
        agent._update_counter = extra["update_counter"]
    scheduler = getattr(agent, "scheduler", None)
    if scheduler is not None and "scheduler" in extra:
        scheduler.load_state_dict(extra["scheduler"])
    tracking = extra.get("tracking")
    counts = tracking and tracking["cumulative_rewards"]
    if tracking is not None and agent.memory is not None and (
            counts is None or counts.shape[0] == agent.memory.num_envs):
        agent._cumulative_rewards = tracking["cumulative_rewards"]
        agent._cumulative_timesteps = tracking["cumulative_timesteps"]
        agent._track_rewards.extend(tracking["rewards"])
        agent._track_timesteps.extend(tracking["timesteps"])
        agent.tracking_data = collections.defaultdict(list, tracking["data"])
