"""Term configs: a plain function of the env plus keyword parameters."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class TermCfg:
    """One term: ``func(env, **params)`` (event and command terms also get ``env_ids``).

    Users write their own terms as plain functions, e.g. ``def pole_angle(env) -> Tensor``.
    ``params`` is a dict so ``--env.rewards.<term>.params.<name> VALUE`` overrides work.
    """

    func: Callable[..., Any]
    params: dict[str, Any] = field(default_factory=dict)
