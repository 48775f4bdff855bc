"""Trained playback: parity with rsl_rl's own actor, clipping, shape errors."""

from __future__ import annotations

import dataclasses

import pytest
import torch
from genelab.errors import GenelabError
from genelab.testing import check_export, suite_device
from genelab_backend_rslrl.backend import RslRlBackend
from genelab_backend_rslrl.wrapper import RslRlVecEnvWrapper
from rsl_rl.runners import OnPolicyRunner
from tensordict import TensorDict

DEVICE = suite_device()


def rsl_rl_actor(ctx, agent_cfg):
    """The checkpoint loaded by plain rsl-rl-lib, as a reference."""
    wrapper = RslRlVecEnvWrapper(ctx.env)
    runner = OnPolicyRunner(wrapper, agent_cfg.to_rsl_rl_dict(wrapper.observation_groups),
                            log_dir=None, device=DEVICE)
    runner.load(str(ctx.checkpoint))
    return runner.get_inference_policy(DEVICE)


def test_policy_reproduces_the_actor_with_its_normalizer(cartpole_run, play_ctx) -> None:
    ctx = play_ctx(cartpole_run.agent_cfg, cartpole_run.run_dir / "model_2.pt")
    try:
        policy = RslRlBackend().inference_policy(ctx)
        actor = rsl_rl_actor(ctx, cartpole_run.agent_cfg)
        assert actor.obs_normalizer.count > 0  # the normalizer is trained, not identity
        obs, _ = ctx.env.reset()
        for _ in range(5):
            actions = policy(obs)
            expected = actor(TensorDict(obs, batch_size=[ctx.env.num_envs]))
            torch.testing.assert_close(actions, expected, rtol=0, atol=0)
            assert torch.equal(policy(obs), actions)  # deterministic
            obs, *_ = ctx.env.step(actions)
    finally:
        ctx.env.close()


def test_export_clips_to_the_action_space(cartpole_run, play_ctx, tmp_path) -> None:
    ctx = play_ctx(cartpole_run.agent_cfg, cartpole_run.run_dir / "model_2.pt")
    try:
        policy = RslRlBackend().inference_policy(ctx)
        obs, _ = ctx.env.reset()
        raw = policy({name: value * 1e3 for name, value in obs.items()})
        assert raw.abs().max() > 1.0  # the policy alone leaves the action space
        check_export(ctx.env, policy, tmp_path)
    finally:
        ctx.env.close()


def test_policy_clips_like_training_and_samples_when_asked(cartpole_run, play_ctx) -> None:
    agent_cfg = cartpole_run.agent_cfg
    agent_cfg_clipped = dataclasses.replace(agent_cfg, clip_actions=0.01)
    ctx = play_ctx(agent_cfg_clipped, cartpole_run.run_dir / "model_2.pt",
                   deterministic=False)
    try:
        policy = RslRlBackend().inference_policy(ctx)
        obs, _ = ctx.env.reset()
        first, second = policy(obs), policy(obs)
        assert first.abs().max() <= 0.01
        assert not torch.equal(first, second)  # sampled with the learned noise
        assert first.shape == (ctx.env.num_envs, ctx.env.action_dim)
    finally:
        ctx.env.close()


def test_checkpoint_of_another_task_names_both_shapes(cartpole_run, play_ctx, tiny_agent
                                                      ) -> None:
    pendulum = "GeneLab-Pendulum-v0"
    ctx = play_ctx(tiny_agent(pendulum), cartpole_run.run_dir / "model_2.pt", task_id=pendulum)
    try:
        saved = torch.load(ctx.checkpoint, weights_only=False)
        cart_dim = saved["actor_state_dict"]["mlp.0.weight"].shape[1]
        pend_dim = ctx.env.observation_dims["policy"]
        with pytest.raises(GenelabError) as caught:
            RslRlBackend().inference_policy(ctx)
        assert str(caught.value) == (f"checkpoint model_2.pt expects {cart_dim} policy "
                                     f"observations but {pendulum} gives {pend_dim}")
    finally:
        ctx.env.close()


def test_unreadable_checkpoint_is_a_clear_error(cartpole_run, play_ctx, tmp_path) -> None:
    broken = tmp_path / "model_9.pt"
    broken.write_bytes(b"not a checkpoint")
    ctx = play_ctx(cartpole_run.agent_cfg, broken)
    try:
        with pytest.raises(GenelabError, match="cannot read checkpoint"):
            RslRlBackend().inference_policy(ctx)
    finally:
        ctx.env.close()
