"""What an exact continuation needs besides the learner: random-number states and env state.

A backend stores :meth:`TrainContext.snapshot() <genelab.rl.backend.TrainContext.snapshot>`
in every checkpoint and hands it back to ``TrainContext.restore_snapshot`` when resuming,
so ``train N`` + ``resume M`` steps through exactly the random numbers and env states of
``train N+M``. Everything here is tensors, numbers and strings: checkpoints holding it load
with ``torch.load(weights_only=True)``.
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import torch

#: Bumped when the layout changes; older snapshots are then not restored.
FORMAT = 1


def capture_rng() -> dict[str, Any]:
    """The states of torch's (CPU and, once used, CUDA), numpy's and Python's global generators."""
    _, keys, position, has_gauss, cached = np.random.get_state()
    version, python_state, gauss_next = random.getstate()
    state: dict[str, Any] = {
        "torch": torch.get_rng_state(),
        "numpy": {"keys": torch.from_numpy(keys.astype(np.int64)), "pos": int(position),
                  "has_gauss": int(has_gauss), "cached_gaussian": float(cached)},
        "python": {"version": version, "state": torch.tensor(python_state, dtype=torch.int64),
                   "gauss_next": gauss_next},
    }
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def restore_rng(state: dict[str, Any]) -> None:
    """Put back what :func:`capture_rng` returned (also when it was loaded onto a GPU).

    CUDA generators are restored for the devices both the snapshot and this machine have.
    """
    torch.set_rng_state(state["torch"].cpu())
    saved = state["numpy"]
    np.random.set_state(("MT19937", saved["keys"].cpu().numpy().astype(np.uint32), saved["pos"],
                         saved["has_gauss"], saved["cached_gaussian"]))
    python = state["python"]
    random.setstate((python["version"], tuple(int(v) for v in python["state"].tolist()),
                     python["gauss_next"]))
    if "cuda" in state and torch.cuda.is_available():
        for index, cuda_state in enumerate(state["cuda"][:torch.cuda.device_count()]):
            torch.cuda.set_rng_state(cuda_state.cpu(), index)


def fingerprint() -> tuple[Any, ...]:
    """A cheap summary of the global generators' states: equal fingerprints mean no random
    number was drawn in between."""
    _, keys, position, has_gauss, cached = np.random.get_state()
    return (hash(torch.get_rng_state().numpy().tobytes()), hash(keys.tobytes()), int(position),
            int(has_gauss), float(cached), hash(random.getstate()))


def is_snapshot(value: Any) -> bool:
    """Whether ``value`` has the layout :func:`capture` writes (of this format)."""
    return (isinstance(value, dict) and value.get("format") == FORMAT
            and {"seed", "world_size", "exact", "rng", "env"} <= set(value)
            and isinstance(value["rng"], dict) and {"torch", "numpy", "python"} <= set(value["rng"])
            and isinstance(value["env"], dict))


def capture(env: Any, *, seed: int, world_size: int, exact: bool) -> dict[str, Any]:
    """A snapshot of the global generators and ``env``'s state.

    ``exact`` says whether it was taken at an iteration end (a continuation from it then
    repeats the uninterrupted run bit for bit).
    """
    return {"format": FORMAT, "seed": seed, "world_size": world_size, "exact": exact,
            "rng": capture_rng(), "env": env.state_dict()}
