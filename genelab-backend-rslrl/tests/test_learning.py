"""Cartpole is solved by the default preset within its default budget (greedy evaluation)."""

from __future__ import annotations

import pytest
import torch
from genelab.registry import TASKS
from genelab_backend_rslrl.backend import RslRlBackend

CARTPOLE = "GeneLab-Cartpole-v0"


def greedy_first_episode_lengths(policy, env) -> torch.Tensor:
    """Length of every env's first episode within one horizon (the horizon if it never ends)."""
    obs, _ = env.reset()
    lengths = torch.full((env.num_envs,), float(env.max_episode_length))
    open_ = torch.ones(env.num_envs, dtype=torch.bool)
    for _ in range(env.max_episode_length):
        obs, _, terminated, truncated, extras = env.step(policy(obs))
        ended = (terminated | truncated) & open_
        lengths[ended] = extras["episode_length"][ended].float()
        open_ &= ~ended
    return lengths


@pytest.mark.learning
def test_default_preset_solves_cartpole(train, play_ctx) -> None:
    task = TASKS.get(CARTPOLE)
    agent_cfg = task.agent_cfg()  # default preset, default budget, default num_envs
    task.env.seed = agent_cfg.seed  # as the dispatcher does
    ctx = train(agent_cfg, task.env)
    checkpoint = ctx.run_dir / f"model_{agent_cfg.max_iterations - 1}.pt"
    eval_env = TASKS.get(CARTPOLE).env
    eval_env.seed = 1234
    play = play_ctx(agent_cfg, checkpoint, env_cfg=eval_env)
    try:
        policy = RslRlBackend().inference_policy(play)
        lengths = greedy_first_episode_lengths(policy, play.env)
        assert lengths.mean() >= 0.95 * play.env.max_episode_length, lengths
    finally:
        play.env.close()
