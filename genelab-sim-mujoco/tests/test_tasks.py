"""The locomotion tasks: gymnasium v5 parity, horizon, healthy termination, final observations."""

from __future__ import annotations

import math

import gymnasium as gym
import numpy as np
import pytest
import torch
from genelab.envs import ManagerBasedRlEnv
from genelab.registry import TASKS

PAIRS = [("GeneLab-HalfCheetah-v0", "HalfCheetah-v5"), ("GeneLab-Hopper-v0", "Hopper-v5"),
         ("GeneLab-Ant-v0", "Ant-v5")]


def make_env(task_id: str, num_envs: int = 3, seed: int = 0) -> ManagerBasedRlEnv:
    cfg = TASKS.get(task_id).env
    cfg.num_envs, cfg.seed = num_envs, seed
    return ManagerBasedRlEnv(cfg, device="cpu")


@pytest.mark.parametrize(("task_id", "gymnasium_id"), PAIRS)
def test_steps_equal_gymnasiums_from_the_same_state(task_id, gymnasium_id, monkeypatch,
                                                    tmp_path):
    """World 0 and gymnasium's env start from one state and take the same actions: equal
    observations, rewards and terminations (to 1e-6) over a whole episode or 300 steps."""
    monkeypatch.chdir(tmp_path)  # gymnasium's model loading writes MUJOCO_LOG.TXT here
    env = make_env(task_id)
    reference = gym.make(gymnasium_id).unwrapped
    reference.reset(seed=0)
    reference.set_state(env.sim.joint_pos[0].numpy().copy(), env.sim.joint_vel[0].numpy().copy())
    np.testing.assert_allclose(env.obs_buf["policy"][0].numpy(), reference._get_obs(),
                               rtol=1e-6, atol=1e-6)
    rng = np.random.default_rng(0)
    try:
        for step in range(300):
            action = rng.uniform(-1.0, 1.0, (env.num_envs, env.action_dim)).astype(np.float32)
            _, reward, terminated, truncated, extras = env.step(torch.from_numpy(action))
            obs, ref_reward, ref_terminated, _, _ = reference.step(action[0].astype(np.float64))
            np.testing.assert_allclose(extras["final_obs"]["policy"][0].numpy(), obs,
                                       rtol=1e-6, atol=1e-6, err_msg=f"step {step}")
            assert reward[0].item() == pytest.approx(ref_reward, rel=1e-6, abs=1e-6), step
            assert bool(terminated[0]) == ref_terminated and not truncated[0]
            if ref_terminated:
                break
    finally:
        env.close()
        reference.close()


def test_episodes_are_truncated_after_1000_steps():
    env = make_env("GeneLab-HalfCheetah-v0", num_envs=2)
    try:
        assert env.max_episode_length == 1000 and env.step_dt == pytest.approx(0.05)
        zero = torch.zeros(2, env.action_dim)
        for step in range(1, 1001):
            _, _, terminated, truncated, extras = env.step(zero)
            assert not terminated.any()
            assert bool(truncated.all()) == (step == 1000), step
        assert extras["episode_length"].tolist() == [1000, 1000]
        assert env.episode_length_buf.tolist() == [0, 0]  # reset for the next episode
    finally:
        env.close()


def test_hopper_terminates_when_unhealthy_and_returns_the_pre_reset_observation():
    env = make_env("GeneLab-Hopper-v0", num_envs=2)
    try:
        pos, vel = env.sim.joint_pos.clone(), env.sim.joint_vel.clone()
        pos[1, 1] = 0.65  # torso below the healthy height 0.7
        env.sim.write_joint_state(torch.arange(2), pos, vel)
        obs, reward, terminated, truncated, extras = env.step(torch.zeros(2, env.action_dim))
        assert terminated.tolist() == [False, True] and not truncated.any()
        final = extras["final_obs"]["policy"][1]
        assert final[0].item() < 0.7  # z of the state that ended the episode
        assert obs["policy"][1, 0].item() == pytest.approx(env.sim.default_joint_pos[1].item(),
                                                           abs=6e-3)  # a fresh episode
        assert reward[1].item() < reward[0].item()  # no healthy reward on the last step
        assert extras["log"]["Episode_Termination/fell"] == 1.0
    finally:
        env.close()


@pytest.mark.parametrize(("height", "ended"), [(0.2, False), (1.0, False), (1.02, True),
                                               (math.nan, True)])
def test_ant_healthy_height_range_is_inclusive_and_nan_is_unhealthy(height, ended):
    env = make_env("GeneLab-Ant-v0", num_envs=1)
    try:
        terms = env.cfg.terminations
        pos = env.sim.joint_pos.clone()
        pos[0, 2] = height
        env.sim.write_joint_state(torch.arange(1), pos, env.sim.joint_vel.clone())
        flags = [bool(term.func(env, **term.params)[0])
                 for name, term in terms.items() if name != "time_out"]
        assert any(flags) == ended, flags
    finally:
        env.close()


def test_reset_noise_is_gymnasiums():
    """HalfCheetah: positions qpos0 + U(-0.1, 0.1); velocities 0.1 N(0, 1)."""
    env = make_env("GeneLab-HalfCheetah-v0", num_envs=1000, seed=3)
    try:
        offset = env.sim.joint_pos - env.sim.default_joint_pos
        assert offset.abs().max().item() <= 0.1
        assert offset.std().item() == pytest.approx(0.1 / math.sqrt(3), rel=0.02)
        assert env.sim.joint_vel.std().item() == pytest.approx(0.1, rel=0.02)
        assert env.sim.joint_vel.mean().abs().item() < 0.005
    finally:
        env.close()
