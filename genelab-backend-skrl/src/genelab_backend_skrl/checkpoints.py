"""Checkpoints: atomic writes, reading, shape checks against the env, restoring an agent.

A checkpoint is skrl's own layout (one ``state_dict`` per entry of the agent's
``checkpoint_modules``, loadable with ``agent.load``) plus a ``"genelab"`` entry with the
algorithm, counters and agent state skrl does not save (SAC's entropy coefficient, TD3's
update counter).
Off-policy runs keep the replay memory of their latest checkpoint beside it
(``memory_<timestep>.pt``).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import torch
from genelab.errors import GenelabError
from genelab.rl.compat import check_io_sizes, check_state_dict
from genelab.runs import atomic_file, keep_only
from skrl.agents.torch import Agent
from skrl.memories.torch import Memory

#: Name pattern of checkpoint files (``<run>/checkpoints/agent_<timestep>.pt``).
CHECKPOINT_PATTERN = r"agent_(\d+)\.pt"
META = "genelab"


def checkpoint_path(run_dir: Path, timestep: int) -> Path:
    """Where the checkpoint after ``timestep`` vectorized env steps goes."""
    return run_dir / "checkpoints" / f"agent_{timestep}.pt"


def _extra_state(agent: Agent) -> dict[str, Any]:
    """Agent state skrl does not save: SAC's entropy coefficient, TD3's update counter
    (its policy-delay phase)."""
    extra: dict[str, Any] = {}
    coefficient = getattr(agent, "log_entropy_coefficient", None)
    if coefficient is not None:
        extra["log_entropy_coefficient"] = coefficient.detach().clone()
    if hasattr(agent, "_update_counter"):
        extra["update_counter"] = int(agent._update_counter)
    return extra


def save_checkpoint(agent: Agent, path: Path, meta: dict[str, Any]) -> None:
    """Write the agent's modules and ``meta`` (counters) to ``path`` atomically."""
    state = {name: module.state_dict() for name, module in agent.checkpoint_modules.items()}
    state[META] = {**meta, "extra": _extra_state(agent)}
    with atomic_file(path) as handle:
        torch.save(state, handle)


def load_checkpoint(path: Path, device: str | torch.device) -> dict[str, Any]:
    """Read a checkpoint of this backend; an unreadable file is a :class:`GenelabError`."""
    try:
        state = torch.load(path, map_location=device, weights_only=False)
    except Exception as error:  # torch.load fails in many ways on a bad file
        raise GenelabError(f"cannot read checkpoint {path}: {error}") from None
    if not isinstance(state, dict) or "policy" not in state or META not in state:
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
    with atomic_file(path) as handle:
        torch.save(state, handle)
    keep_only(path, "memory_*.pt")


def restore_memory(memory: Memory, checkpoint: Path) -> bool:
    """Refill ``memory`` from the file saved with ``checkpoint``; ``False`` (with a note on
    stderr) when there is none, or it was collected with another memory size or env count."""
    path = memory_path(checkpoint)
    if not path.exists():
        print(f"note: {checkpoint.name} has no saved replay memory (only the latest "
              "checkpoint keeps one); collecting a fresh one", file=sys.stderr)
        return False
    state = torch.load(path, map_location=memory.device, weights_only=False)
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
