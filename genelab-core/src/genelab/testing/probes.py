"""Probe tasks whose values are known in closed form, to check what a learner estimates.

:func:`two_state_probe_cfg` builds a real ``ManagerBasedRlEnv`` config in which every env
alternates between two states, X and Y, whatever it does: reward ``+reward`` in X and
``-reward`` in Y, and every episode ends by a time limit (never a termination). The
true values of the infinite-horizon task (a time-out is not an end) satisfy
``V(X) = r + gamma V(Y)`` and ``V(Y) = -r + gamma V(X)``, so ``V(X) = -V(Y) = r / (1 + gamma)``
(:func:`two_state_values`). A learner that bootstraps a time-out from anything but the
final observation's value learns other numbers: the state it acted in (rsl_rl's stock
PPO) is the other state here, of the opposite value.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

if TYPE_CHECKING:
    from genelab.envs import ManagerBasedRlEnv, ManagerBasedRlEnvCfg


def _phase(env: ManagerBasedRlEnv, steps_before: int) -> torch.Tensor:
    """0 (X) or 1 (Y): envs of even index start in X, odd ones in Y, then alternate."""
    index = torch.arange(env.num_envs, device=env.device)
    return torch.remainder(env.episode_length_buf - steps_before + index, 2)


def two_state_observation(env: ManagerBasedRlEnv) -> torch.Tensor:
    """One-hot ``(N, 2)`` of the current state: ``[1, 0]`` in X, ``[0, 1]`` in Y."""
    return torch.nn.functional.one_hot(_phase(env, 0), 2).float()


def two_state_reward(env: ManagerBasedRlEnv) -> torch.Tensor:
    """``+1`` for a step taken in X, ``-1`` for one taken in Y (weighted by the term)."""
    return 1.0 - 2.0 * _phase(env, 1).float()


def two_state_values(gamma: float, reward: float = 10.0) -> tuple[float, float]:
    """The true ``(V(X), V(Y))`` of :func:`two_state_probe_cfg` under discount ``gamma``."""
    value = reward / (1.0 + gamma)
    return value, -value


def two_state_probe_cfg(num_envs: int = 8, horizon: int = 5, reward: float = 10.0,
                        seed: int = 0) -> ManagerBasedRlEnvCfg:
    """The two-state probe (see the module docstring): ``horizon`` steps per episode.

    The simulation underneath is the torch pendulum; the one action moves it but changes
    neither observation nor reward.
    """
    from genelab.envs import (
        ActionTermCfg,
        ManagerBasedRlEnvCfg,
        ObservationGroupCfg,
        ObservationTermCfg,
        RewardTermCfg,
        TerminationTermCfg,
        mdp,
    )
    from genelab.sim import TorchSimulationCfg
    from genelab.sim.models import PendulumCfg

    dt = 0.05
    return ManagerBasedRlEnvCfg(
        sim=TorchSimulationCfg(model=PendulumCfg(), dt=dt),
        num_envs=num_envs,
        seed=seed,
        decimation=1,
        episode_length_s=horizon * dt,
        actions={"torque": ActionTermCfg(dim=1, scale=1.0)},
        observations={"policy": ObservationGroupCfg(terms={
            "state": ObservationTermCfg(func=two_state_observation),
        })},
        rewards={"state": RewardTermCfg(func=two_state_reward, weight=reward)},
        terminations={"time_out": TerminationTermCfg(func=mdp.time_out, time_out=True)},
    )
