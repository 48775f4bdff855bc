"""Event terms: ``func(env, env_ids, **params)``, run at startup, reset or on an interval."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

import torch

if TYPE_CHECKING:
    from genelab.envs.rl_env import ManagerBasedRlEnv


def reset_state_uniform(env: ManagerBasedRlEnv, env_ids: torch.Tensor,
                        pos_range: Sequence[tuple[float, float]],
                        vel_range: Sequence[tuple[float, float]]) -> None:
    """Set ``q`` and ``qd`` of ``env_ids`` uniformly within per-coordinate ``(low, high)``."""
    low, high = _bounds(tuple(map(tuple, (*pos_range, *vel_range))), env.device)
    draw = torch.rand(env_ids.numel(), low.numel(), generator=env.generator, device=env.device)
    state = torch.lerp(low, high, draw)
    nq = len(pos_range)
    env.sim.write_joint_state(env_ids, state[:, :nq], state[:, nq:])


def reset_joints_with_noise(env: ManagerBasedRlEnv, env_ids: torch.Tensor, pos_noise: float,
                            vel_noise: float,
                            vel_distribution: Literal["uniform", "normal"] = "uniform") -> None:
    """Default joint state plus noise: positions ``U(-pos_noise, pos_noise)``, velocities
    ``U(-vel_noise, vel_noise)`` or ``vel_noise * N(0, 1)`` (gymnasium's reset noise)."""
    sim, n = env.sim, env_ids.numel()
    default_pos, default_vel = sim.default_joint_pos, sim.default_joint_vel
    pos = _uniform(env, (n, default_pos.numel()), pos_noise).to(default_pos.dtype)
    if vel_distribution == "normal":
        vel = torch.randn(n, default_vel.numel(), generator=env.generator, device=env.device)
        vel = vel * vel_noise
    else:
        vel = _uniform(env, (n, default_vel.numel()), vel_noise)
    sim.write_joint_state(env_ids, default_pos + pos, default_vel + vel.to(default_vel.dtype))


def _uniform(env: ManagerBasedRlEnv, shape: tuple[int, int], scale: float) -> torch.Tensor:
    draw = torch.rand(shape, generator=env.generator, device=env.device)
    return (draw * 2.0 - 1.0) * scale


@functools.lru_cache(maxsize=256)
def _bounds(ranges: tuple[tuple[float, float], ...],
            device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """``(low, high)`` tensors of ``(low, high)`` pairs, built once per distinct ranges."""
    low, high = torch.tensor(ranges, device=device).T.contiguous()
    return low, high
