"""CEM learns Cartpole in a few seconds: its mean policy keeps the pole up far longer than
a random policy (which drops it after about 20 steps of the 250-step limit)."""

from __future__ import annotations

from pathlib import Path

import torch
from genelab.rl import list_checkpoints
from genelab.rl.play import random_policy
from genelab.testing import play_context, short_env_cfg, train_backend
from genelab_backend_cem.backend import CemBackend
from genelab_backend_cem.presets import cartpole_cem

CARTPOLE = "GeneLab-Cartpole-v0"


def first_episode_returns(env, policy) -> tuple[torch.Tensor, torch.Tensor]:
    """Return and length of every env's first episode from a reset."""
    returns = torch.full((env.num_envs,), float("nan"))
    lengths = torch.zeros(env.num_envs)
    obs, _ = env.reset()
    with torch.inference_mode():
        for _ in range(env.max_episode_length + 1):
            obs, _, terminated, truncated, extras = env.step(policy(obs))
            first = (terminated | truncated) & returns.isnan()
            returns[first] = extras["episode_return"][first]
            lengths[first] = extras["episode_length"][first].float()
            if not bool(returns.isnan().any()):
                break
    assert not bool(returns.isnan().any()), "an episode did not end within the time limit"
    return returns, lengths


def test_cem_beats_a_random_policy_on_cartpole(tmp_path: Path) -> None:
    backend = CemBackend()
    agent_cfg = cartpole_cem()
    agent_cfg.max_iterations = 20  # half the preset's budget: about a second of training
    train_env = short_env_cfg(CARTPOLE, num_envs=64, seed=agent_cfg.seed, horizon=None)
    train_backend(backend, agent_cfg, train_env, tmp_path / "run", task_id=CARTPOLE)
    checkpoint = list_checkpoints(tmp_path / "run", backend.checkpoint_pattern)[-1][1]
    assert checkpoint.name == "cem_19.pt"

    play = play_context(agent_cfg, checkpoint, short_env_cfg(CARTPOLE, 32, seed=123, horizon=None),
                        task_id=CARTPOLE)
    try:
        trained, trained_lengths = first_episode_returns(play.env, backend.inference_policy(play))
        random, _ = first_episode_returns(play.env, random_policy(play.env))
        horizon = play.env.max_episode_length
    finally:
        play.env.close()
    assert float(random.mean()) < 40, f"random play is not the baseline it should be: {random}"
    assert float(trained.mean()) > 4 * float(random.mean()), (trained.mean(), random.mean())
    assert float(trained_lengths.mean()) > 0.5 * horizon, trained_lengths
