"""Trained playback: parity with SB3's own loader and predict, sampling, export, errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from genelab.errors import GenelabError
from genelab.testing import check_export, suite_device
from genelab_backend_sb3.backend import Sb3Backend
from genelab_backend_sb3.models import algorithm_class
from genelab_backend_sb3.vec_env import GenelabSb3VecEnv

DEVICE = suite_device()

RUNS = ("PPO", "A2C", "SAC", "TD3", "DDPG", "HER")


@pytest.mark.parametrize("name", RUNS)
def test_policy_matches_sb3_load_and_deterministic_predict(trained_runs, play_ctx, sb3_inputs,
                                                           name) -> None:
    run = trained_runs(name)
    ctx = play_ctx(run.agent_cfg, run.last_checkpoint)
    try:
        policy = Sb3Backend().inference_policy(ctx)
        reference = algorithm_class(run.agent_cfg.algorithm).load(  # HER needs the env
            run.last_checkpoint, env=GenelabSb3VecEnv(ctx.env), device=DEVICE)
        goal_task = name == "HER"
        obs, _ = ctx.env.reset()
        for _ in range(5):
            actions = policy(obs)
            expected, _ = reference.predict(sb3_inputs(obs, goal_task), deterministic=True)
            np.testing.assert_allclose(actions.cpu().numpy(), expected, rtol=0, atol=1e-6)
            assert torch.equal(policy(obs), actions)  # deterministic
            obs, *_ = ctx.env.step(actions)
    finally:
        ctx.env.close()


@pytest.mark.parametrize("name", ["PPO", "SAC"])
def test_non_deterministic_policy_samples(trained_runs, play_ctx, name) -> None:
    run = trained_runs(name)
    ctx = play_ctx(run.agent_cfg, run.last_checkpoint, deterministic=False)
    try:
        policy = Sb3Backend().inference_policy(ctx)
        obs, _ = ctx.env.reset()
        first, second = policy(obs), policy(obs)
        assert first.shape == (ctx.env.num_envs, ctx.env.action_dim)
        assert not torch.equal(first, second)
        space = ctx.env.single_action_space
        sampled = first.cpu().numpy()
        assert (sampled >= space.low).all() and (sampled <= space.high).all()
    finally:
        ctx.env.close()


@pytest.mark.parametrize("name", RUNS)
def test_export_reproduces_the_policy(trained_runs, play_ctx, tmp_path, name) -> None:
    run = trained_runs(name)
    ctx = play_ctx(run.agent_cfg, run.last_checkpoint)
    try:
        written = check_export(ctx.env, Sb3Backend().inference_policy(ctx), tmp_path)
        assert sorted(written) == ["onnx", "torchscript"]
    finally:
        ctx.env.close()


def test_checkpoint_of_another_task_names_both_shapes(trained_runs, play_ctx) -> None:
    run = trained_runs("SAC")  # a Pendulum run: 3 observations, 1 action
    ctx = play_ctx(run.agent_cfg, run.last_checkpoint, task_id="GeneLab-Cartpole-v0")
    try:
        with pytest.raises(GenelabError) as caught:
            Sb3Backend().inference_policy(ctx)
        assert str(caught.value) == ("checkpoint model_192.zip expects 3 policy observations "
                                     "but GeneLab-Cartpole-v0 gives 4")
    finally:
        ctx.env.close()


def test_goal_checkpoint_on_a_plain_task_names_the_groups(trained_runs, play_ctx) -> None:
    run = trained_runs("HER")
    agent_cfg = run.agent_cfg
    ctx = play_ctx(agent_cfg, run.last_checkpoint, task_id="GeneLab-Pendulum-v0")
    try:
        with pytest.raises(GenelabError, match="reads observations achieved_goal, "
                                               "desired_goal, observation but "
                                               "GeneLab-Pendulum-v0 gives policy"):
            Sb3Backend().inference_policy(ctx)
    finally:
        ctx.env.close()


def test_checkpoint_of_other_network_sizes_names_both_shapes(trained_runs, play_ctx,
                                                             tiny_agent) -> None:
    agent_cfg = tiny_agent("PPO")
    agent_cfg.policy.net_arch = [16, 8]
    ctx = play_ctx(agent_cfg, trained_runs("PPO").last_checkpoint)
    try:
        with pytest.raises(GenelabError, match=r"policy parameter mlp_extractor.policy_net.0"
                                               r".weight has shape \(8, 4\) but the agent "
                                               r"config .* \(16, 4\)"):
            Sb3Backend().inference_policy(ctx)
    finally:
        ctx.env.close()


def test_unreadable_checkpoint_is_a_clear_error(trained_runs, play_ctx, tmp_path) -> None:
    broken = tmp_path / "model_9.zip"
    broken.write_bytes(b"not a checkpoint")
    ctx = play_ctx(trained_runs("PPO").agent_cfg, broken)
    try:
        with pytest.raises(GenelabError, match="cannot read checkpoint"):
            Sb3Backend().inference_policy(ctx)
    finally:
        ctx.env.close()
