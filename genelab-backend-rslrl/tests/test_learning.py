"""Cartpole is solved by the default preset within its default budget (greedy evaluation)."""

from __future__ import annotations

import pytest
from genelab.registry import TASKS
from genelab.rl.evaluate import evaluate
from genelab_backend_rslrl.backend import RslRlBackend

CARTPOLE = "GeneLab-Cartpole-v0"


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
        metrics = evaluate(play.env, policy)  # every env's first greedy episode
        assert metrics["length_mean"] >= 0.95 * play.env.max_episode_length, metrics
    finally:
        play.env.close()
