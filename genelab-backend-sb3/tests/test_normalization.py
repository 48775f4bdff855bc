"""Observation normalization (SB3's VecNormalize): saved in checkpoints, resumed, played."""

from __future__ import annotations

import numpy as np
import pytest
from genelab.errors import GenelabError
from genelab.testing import check_export, suite_device
from genelab_backend_sb3.backend import Sb3Backend
from genelab_backend_sb3.checkpoints import load_checkpoint, running_mean_std
from genelab_backend_sb3.models import algorithm_class
from genelab_backend_sb3.vec_env import GenelabSb3VecEnv
from stable_baselines3.common.vec_env import VecNormalize

DEVICE = suite_device()

STEPS = 8  # the tiny agent's steps_per_iteration
ENVS = 8  # the short env's num_envs
BATCH = STEPS * ENVS


def counts(saved: dict) -> list[float]:
    """Observations seen by each running statistic."""
    rms = saved["obs_rms"]
    return [one["count"] for one in ([rms] if "mean" in rms else rms.values())]


@pytest.mark.parametrize("name", ["PPO", "HER"])
def test_normalizer_is_saved_resumed_and_applied_at_playback(train, tiny_agent, play_ctx,
                                                             sb3_inputs, tmp_path, name) -> None:
    agent_cfg = tiny_agent(name)
    agent_cfg.observation_normalization = True
    ctx = train(agent_cfg)
    last = ctx.run_dir / "checkpoints" / f"model_{3 * BATCH}.zip"
    saved = load_checkpoint(last, "cpu").state["normalizer"]
    # every observation counted once: the first reset, then each step's
    assert counts(saved) == pytest.approx([ENVS + 3 * BATCH] * len(counts(saved)), abs=1e-3)

    agent_cfg.max_iterations = 1
    resumed = train(agent_cfg, resume_from=last)
    after = load_checkpoint(resumed.run_dir / "checkpoints" / f"model_{4 * BATCH}.zip", "cpu")
    assert counts(after.state["normalizer"]) == pytest.approx(  # continued: no new reset
        [c + BATCH for c in counts(saved)], abs=1e-3)

    play = play_ctx(agent_cfg, last)
    try:
        policy = Sb3Backend().inference_policy(play)
        reference = algorithm_class(agent_cfg.algorithm).load(
            last, env=GenelabSb3VecEnv(play.env), device=DEVICE)
        normalize = VecNormalize(GenelabSb3VecEnv(play.env), training=False, norm_reward=False,
                                 clip_obs=saved["clip_obs"])
        normalize.obs_rms = running_mean_std(saved["obs_rms"])
        goal_task = name == "HER"
        obs, _ = play.env.reset()
        for _ in range(3):
            actions = policy(obs)
            raw = sb3_inputs(obs, goal_task)
            expected, _ = reference.predict(normalize.normalize_obs(raw), deterministic=True)
            np.testing.assert_allclose(actions.cpu().numpy(), expected, atol=1e-5)
            unnormalized, _ = reference.predict(raw, deterministic=True)
            assert not np.allclose(unnormalized, expected, atol=1e-5)  # the normalizer matters
            obs, *_ = play.env.step(actions)
        check_export(play.env, policy, tmp_path)  # the normalizer is inside the graph
    finally:
        play.env.close()


def test_normalization_setting_must_match_the_checkpoint(trained_runs, play_ctx, tiny_agent
                                                         ) -> None:
    agent_cfg = tiny_agent("PPO")
    agent_cfg.observation_normalization = True  # the shared PPO run was trained without
    ctx = play_ctx(agent_cfg, trained_runs("PPO").last_checkpoint)
    try:
        with pytest.raises(GenelabError, match="trained without observation normalization; "
                                               "set --agent.observation_normalization false"):
            Sb3Backend().inference_policy(ctx)
    finally:
        ctx.env.close()
