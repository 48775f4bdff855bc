"""Core's play loop: the same for every backend (zero, random or trained policies)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import torch

from genelab.errors import GenelabError
from genelab.rl.backend import Policy

if TYPE_CHECKING:
    from genelab.envs import Bridge, ManagerBasedRlEnv


def zero_policy(env: ManagerBasedRlEnv) -> Policy:
    """Always the zero action (clipped into the action bounds)."""
    low, high = env.action_manager.low, env.action_manager.high
    action = torch.zeros(env.num_envs, env.action_dim, device=env.device).clamp_(low, high)
    return lambda obs: action


def random_policy(env: ManagerBasedRlEnv) -> Policy:
    """Actions uniform in the action bounds, drawn from the env's generator."""
    low, high = env.action_manager.low, env.action_manager.high
    shape = (env.num_envs, env.action_dim)

    def act(obs: dict[str, torch.Tensor]) -> torch.Tensor:
        draw = torch.rand(shape, generator=env.generator, device=env.device)
        return low + draw * (high - low)

    return act


def play_loop(env: ManagerBasedRlEnv, policy: Policy, *, steps: int = 240,
              max_steps: int | None = None, vis: bool = False, video: Path | None = None,
              bridges: Sequence[Bridge] = ()) -> int:
    """Run ``policy`` in ``env`` and return the number of env steps taken.

    Headless it stops after ``steps``; with ``vis`` it runs until the viewer window is
    closed; ``max_steps`` caps both. ``video`` writes an MP4 or GIF of env 0. The policy
    gets the observation groups under ``torch.inference_mode()``. Bridges (with the
    viewer and video recorder) are closed in a ``finally`` block, also on errors.
    """
    limit = max_steps if max_steps is not None else (None if vis else steps)
    if limit is not None and limit < 0:
        raise GenelabError(f"the number of steps must be >= 0 (got {limit})")
    from genelab.envs.video import VideoRecorder  # it checks the path when it opens

    obs, _ = env.reset()
    attached: list[Bridge] = []
    viewer = None
    try:
        for bridge in list(bridges) + ([VideoRecorder(video)] if video is not None else []):
            attached.append(bridge)
            env.add_bridge(bridge)
        if vis:
            from genelab.viewer import Viewer

            viewer = Viewer(title=type(env).__name__)
            attached.append(viewer)
            env.add_bridge(viewer)
        count = 0
        while limit is None or count < limit:
            if viewer is not None and not viewer.is_open:
                break
            with torch.inference_mode():
                action = policy(obs)
            obs = env.step(action)[0]
            count += 1
        return count
    finally:
        env.remove_bridges(attached)
