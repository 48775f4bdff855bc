"""The presets learn their tasks within their default budgets (greedy evaluation, 16 envs).

Thresholds: PPO keeps the Cartpole pole up for >= 95% of the time limit; SAC swings the
pendulum up and holds it (mean return above -200 per 200-step episode; random play
scores about -1300); SAC + HER reaches the goal in >= 80% of Reach episodes (sparse
reward; a policy that does nothing succeeds in about 1%); TD3 and DDPG at least halve
the random policy's cost on Pendulum and A2C doubles its Cartpole return.
"""

from __future__ import annotations

import pytest
from genelab.registry import TASKS
from genelab.rl.evaluate import evaluate
from genelab.rl.play import random_policy, zero_policy
from genelab_backend_sb3.backend import Sb3Backend

EVAL_ENVS = 16


def train_and_evaluate(train, play_ctx, task_id: str, preset: str | None = None
                       ) -> tuple[dict[str, float], dict[str, float], int]:
    """Train the preset at its default budget; greedy and baseline metrics on a fresh env.

    The baseline is a random policy, or doing nothing on goal tasks.
    """
    task = TASKS.get(task_id)
    agent_cfg = task.agent_cfg(preset)
    task.env.seed = agent_cfg.seed  # as the dispatcher does
    ctx = train(agent_cfg, task.env, task_id=task_id)
    steps = agent_cfg.max_iterations * agent_cfg.steps_per_iteration * ctx.env.num_envs
    checkpoint = ctx.run_dir / "checkpoints" / f"model_{steps}.zip"
    eval_env = TASKS.get(task_id).env
    eval_env.num_envs, eval_env.seed = EVAL_ENVS, 1234
    play = play_ctx(agent_cfg, checkpoint, task_id=task_id, env_cfg=eval_env)
    try:
        greedy = evaluate(play.env, Sb3Backend().inference_policy(play))
        baseline = zero_policy if play.env.is_goal_task else random_policy
        return greedy, evaluate(play.env, baseline(play.env)), play.env.max_episode_length
    finally:
        play.env.close()


@pytest.mark.learning
def test_ppo_solves_cartpole(train, play_ctx) -> None:
    greedy, _, horizon = train_and_evaluate(train, play_ctx, "GeneLab-Cartpole-v0", "sb3_ppo")
    assert greedy["length_mean"] >= 0.95 * horizon, greedy


@pytest.mark.learning
def test_sac_swings_up_the_pendulum(train, play_ctx) -> None:
    greedy, random, _ = train_and_evaluate(train, play_ctx, "GeneLab-Pendulum-v0", "sb3_sac")
    assert greedy["return_mean"] > -200, (greedy, random)


@pytest.mark.learning
def test_sac_with_her_reaches_sparse_goals(train, play_ctx) -> None:
    greedy, idle, _ = train_and_evaluate(train, play_ctx, "GeneLab-Reach-v0")
    assert idle["success_rate"] < 0.2, idle
    assert greedy["success_rate"] >= 0.8, (greedy, idle)


@pytest.mark.learning
@pytest.mark.parametrize(("task_id", "preset"), [("GeneLab-Pendulum-v0", "sb3_td3"),
                                                 ("GeneLab-Pendulum-v0", "sb3_ddpg"),
                                                 ("GeneLab-Cartpole-v0", "sb3_a2c")])
def test_other_presets_beat_random(train, play_ctx, task_id, preset) -> None:
    greedy, random, _ = train_and_evaluate(train, play_ctx, task_id, preset)
    if task_id == "GeneLab-Pendulum-v0":  # returns are costs (negative)
        assert greedy["return_mean"] > 0.5 * random["return_mean"], (greedy, random)
    else:
        assert greedy["return_mean"] > 2 * random["return_mean"], (greedy, random)
