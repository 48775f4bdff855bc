"""The VecEnv adapter on a real Cartpole env."""

from __future__ import annotations

import torch
from genelab.envs import ManagerBasedRlEnv
from genelab.testing import suite_device
from genelab_backend_rslrl.wrapper import RslRlVecEnvWrapper
from tensordict import TensorDict

DEVICE = suite_device()


def test_wrapper_speaks_rsl_rl_vec_env(short_env) -> None:
    env = ManagerBasedRlEnv(short_env(num_envs=4, horizon=3), device=DEVICE)
    try:
        wrapper = RslRlVecEnvWrapper(env)
        assert (wrapper.num_envs, wrapper.num_actions) == (4, env.action_dim)
        assert wrapper.max_episode_length == env.max_episode_length == 3
        assert wrapper.cfg is env.cfg and wrapper.device == torch.device(DEVICE)
        obs = wrapper.get_observations()
        assert isinstance(obs, TensorDict) and obs.batch_size == torch.Size([4])
        assert {k: v.shape[1] for k, v in obs.items()} == env.observation_dims

        wrapper.episode_length_buf = torch.tensor([0, 1, 2, 0], device=DEVICE)
        assert env.episode_length_buf.tolist() == [0, 1, 2, 0]  # written through
        obs, rewards, dones, extras = wrapper.step(torch.zeros(4, env.action_dim))
        latest = wrapper.get_observations()  # the env's own tensors, never recomputed
        assert all(latest[k] is env.obs_buf[k] and torch.equal(latest[k], obs[k]) for k in obs.keys())
        assert rewards.shape == dones.shape == extras["time_outs"].shape == (4,)
        assert extras["time_outs"].tolist() == [False, False, True, False]
        assert dones[2]  # the time-out is a done, marked as a truncation
        assert set(extras) == {"time_outs", "final_obs"}  # episode statistics are core's metrics
        final = extras["final_obs"]
        assert isinstance(final, TensorDict) and final.batch_size == torch.Size([4])
        assert not torch.equal(final["policy"][2], obs["policy"][2])  # pre- vs post-reset
        assert torch.equal(final["policy"][[0, 1, 3]], obs["policy"][[0, 1, 3]])
    finally:
        env.close()


def test_wrapper_clips_actions_before_the_env(short_env) -> None:
    clipped = ManagerBasedRlEnv(short_env(num_envs=4, seed=3), device=DEVICE)
    direct = ManagerBasedRlEnv(short_env(num_envs=4, seed=3), device=DEVICE)
    try:
        wrapper = RslRlVecEnvWrapper(clipped, clip_actions=0.5)
        direct.reset()
        obs, *_ = wrapper.step(torch.full((4, clipped.action_dim), 100.0))
        expected, *_ = direct.step(torch.full((4, direct.action_dim), 0.5))
        torch.testing.assert_close(obs["policy"], expected["policy"])
    finally:
        clipped.close()
        direct.close()
