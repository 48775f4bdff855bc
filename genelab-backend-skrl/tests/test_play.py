"""Trained playback: parity with skrl's own loader and policy model, noise, shape errors."""

from __future__ import annotations

import pytest
import torch
from genelab.errors import GenelabError
from genelab.testing import check_export, suite_device
from genelab_backend_skrl.agents import build_agent
from genelab_backend_skrl.backend import SkrlBackend
from genelab_backend_skrl.wrapper import GenelabSkrlWrapper

DEVICE = suite_device()

ALGORITHMS = ("PPO", "A2C", "SAC", "TD3", "DDPG")


def skrl_reference(ctx, agent_cfg):
    """The checkpoint loaded by skrl's own ``Agent.load`` into a fresh agent."""
    agent = build_agent(agent_cfg, GenelabSkrlWrapper(ctx.env), DEVICE, training=False)
    agent.load(str(ctx.checkpoint))
    return agent


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_policy_is_the_policy_models_mean_with_its_preprocessor(trained_runs, play_ctx,
                                                                algorithm) -> None:
    run = trained_runs(algorithm)
    ctx = play_ctx(run.agent_cfg, run.last_checkpoint)
    try:
        policy = SkrlBackend().inference_policy(ctx)
        reference = skrl_reference(ctx, run.agent_cfg)
        scaler = reference._observation_preprocessor
        assert scaler.current_count > 1  # trained statistics, not the identity
        obs, _ = ctx.env.reset()
        for _ in range(5):
            actions = policy(obs)
            with torch.no_grad():
                scaled = scaler(obs["policy"])
                expected, outputs = reference.policy.act({"observations": scaled},
                                                         role="policy")
                expected = outputs.get("mean_actions", expected)
                raw = reference.policy.act({"observations": obs["policy"]}, role="policy")[1]
            torch.testing.assert_close(actions, expected, rtol=0, atol=0)
            assert torch.equal(policy(obs), actions)  # deterministic: no sampling, no noise
            if "mean_actions" in raw:
                assert not torch.equal(raw["mean_actions"], actions)  # the scaler matters
            obs, *_ = ctx.env.step(actions)
    finally:
        ctx.env.close()


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_export_reproduces_the_clipped_policy(trained_runs, play_ctx, tmp_path,
                                              algorithm) -> None:
    run = trained_runs(algorithm)
    ctx = play_ctx(run.agent_cfg, run.last_checkpoint)
    try:
        check_export(ctx.env, SkrlBackend().inference_policy(ctx), tmp_path)
    finally:
        ctx.env.close()


@pytest.mark.parametrize("algorithm", ["SAC", "TD3"])
def test_non_deterministic_policy_explores(trained_runs, play_ctx, algorithm) -> None:
    run = trained_runs(algorithm)
    ctx = play_ctx(run.agent_cfg, run.last_checkpoint, deterministic=False)
    try:
        policy = SkrlBackend().inference_policy(ctx)
        obs, _ = ctx.env.reset()
        first, second = policy(obs), policy(obs)
        assert first.shape == (ctx.env.num_envs, ctx.env.action_dim)
        assert not torch.equal(first, second)  # sampled / exploration noise
    finally:
        ctx.env.close()


def test_checkpoint_of_another_task_names_both_shapes(trained_runs, play_ctx) -> None:
    run = trained_runs("SAC")  # a Pendulum run: 3 observations, 1 action
    cartpole_agent = run.agent_cfg
    ctx = play_ctx(cartpole_agent, run.last_checkpoint, task_id="GeneLab-Cartpole-v0")
    try:
        with pytest.raises(GenelabError) as caught:
            SkrlBackend().inference_policy(ctx)
        assert str(caught.value) == ("checkpoint agent_24.pt expects 3 policy observations "
                                     "but GeneLab-Cartpole-v0 gives 4")
    finally:
        ctx.env.close()


def test_checkpoint_of_other_network_sizes_names_both_shapes(trained_runs, play_ctx,
                                                             tiny_agent) -> None:
    agent_cfg = tiny_agent("PPO")
    agent_cfg.models.policy.hidden_dims = [16, 8]
    ctx = play_ctx(agent_cfg, trained_runs("PPO").last_checkpoint)
    try:
        with pytest.raises(GenelabError, match=r"policy parameter net.0.weight has shape "
                                               r"\(8, 4\) but the agent config .* \(16, 4\)"):
            SkrlBackend().inference_policy(ctx)
    finally:
        ctx.env.close()


def test_unreadable_checkpoint_is_a_clear_error(trained_runs, play_ctx, tmp_path) -> None:
    broken = tmp_path / "agent_9.pt"
    broken.write_bytes(b"not a checkpoint")
    ctx = play_ctx(trained_runs("PPO").agent_cfg, broken)
    try:
        with pytest.raises(GenelabError, match="cannot read checkpoint"):
            SkrlBackend().inference_policy(ctx)
    finally:
        ctx.env.close()
