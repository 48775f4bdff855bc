"""Every preset learns its task within its default budget (greedy evaluation).

Thresholds: PPO keeps the Cartpole pole up for >= 95% of the time limit; SAC swings the
pendulum up and holds it (mean return above -200 per 200-step episode; random play
scores about -1300, a policy that never swings up below -700); TD3, DDPG and A2C at
least halve the random policy's cost on Pendulum / double its Cartpole return.
"""

from __future__ import annotations

import pytest
from genelab.registry import TASKS
from genelab.rl.evaluate import evaluate
from genelab.rl.play import random_policy
from genelab_backend_skrl.backend import SkrlBackend

CARTPOLE = "GeneLab-Cartpole-v0"
PENDULUM = "GeneLab-Pendulum-v0"
EVAL_ENVS = 16


def train_and_evaluate(train, play_ctx, task_id: str, preset: str
                       ) -> tuple[dict[str, float], dict[str, float], int]:
    """Train the preset at its default budget; greedy and random metrics on a fresh env."""
    task = TASKS.get(task_id)
    agent_cfg = task.agent_cfg(preset)
    task.env.seed = agent_cfg.seed  # as the dispatcher does
    ctx = train(agent_cfg, task.env, task_id=task_id)
    checkpoint = ctx.run_dir / "checkpoints" / (
        f"agent_{agent_cfg.max_iterations * agent_cfg.steps_per_iteration}.pt")
    eval_env = TASKS.get(task_id).env
    eval_env.num_envs, eval_env.seed = EVAL_ENVS, 1234
    play = play_ctx(agent_cfg, checkpoint, task_id=task_id, env_cfg=eval_env)
    try:
        greedy = evaluate(play.env, SkrlBackend().inference_policy(play))
        random = evaluate(play.env, random_policy(play.env))
        return greedy, random, play.env.max_episode_length
    finally:
        play.env.close()


@pytest.mark.learning
def test_ppo_solves_cartpole(train, play_ctx) -> None:
    greedy, _, horizon = train_and_evaluate(train, play_ctx, CARTPOLE, "skrl_ppo")
    assert greedy["length_mean"] >= 0.95 * horizon, greedy


@pytest.mark.learning
def test_sac_swings_up_the_pendulum(train, play_ctx) -> None:
    greedy, random, _ = train_and_evaluate(train, play_ctx, PENDULUM, "skrl_sac")
    assert greedy["return_mean"] > -200, (greedy, random)


@pytest.mark.learning
@pytest.mark.parametrize("preset", ["skrl_td3", "skrl_ddpg"])
def test_deterministic_policy_gradients_beat_random_on_pendulum(train, play_ctx, preset
                                                                ) -> None:
    greedy, random, _ = train_and_evaluate(train, play_ctx, PENDULUM, preset)
    assert greedy["return_mean"] > 0.5 * random["return_mean"], (greedy, random)


@pytest.mark.learning
def test_a2c_beats_random_on_cartpole(train, play_ctx) -> None:
    greedy, random, _ = train_and_evaluate(train, play_ctx, CARTPOLE, "skrl_a2c")
    assert greedy["return_mean"] > 2 * random["return_mean"], (greedy, random)
