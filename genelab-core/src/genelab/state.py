"""Restoring saved tensor state in place (env managers and simulations use it for exact resume)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from genelab.errors import GenelabError


def load_tensors(targets: Mapping[str, Any], saved: Mapping[str, Any], what: str) -> None:
    """Copy ``saved`` tensors into ``targets`` in place, so views of them stay valid.

    Both map names to tensors; names and shapes must match, else a
    :class:`~genelab.errors.GenelabError` names ``what`` (e.g. ``"command timers"``).
    """
    if set(targets) != set(saved):
        raise GenelabError(f"the saved {what} are {', '.join(sorted(saved)) or 'none'}, "
                           f"this env has {', '.join(sorted(targets)) or 'none'}")
    for name, tensor in targets.items():
        if tuple(saved[name].shape) != tuple(tensor.shape):
            raise GenelabError(f"the saved {what} '{name}' have shape {tuple(saved[name].shape)}, "
                               f"this env's {tuple(tensor.shape)}")
        tensor.copy_(saved[name])
