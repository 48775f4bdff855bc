"""The env adapter and the transitions stored in skrl's memory around episode ends.

Cartpole with a 20-step time limit and strong random pushes ends episodes both ways:
falls (terminated) and time-outs (truncated).
"""

from __future__ import annotations

import pytest
import torch
from genelab.envs import ManagerBasedRlEnv
from genelab.rl.progress import TrainingProgress
from genelab.testing import suite_device
from genelab_backend_skrl.agents import build_agent
from genelab_backend_skrl.trainer import GenelabSkrlTrainer
from genelab_backend_skrl.wrapper import GenelabSkrlWrapper

DEVICE = suite_device()

STEPS = 80


def test_wrapper_speaks_skrl(short_env) -> None:
    env = ManagerBasedRlEnv(short_env(num_envs=4, horizon=3), device=DEVICE)
    try:
        wrapper = GenelabSkrlWrapper(env)
        assert wrapper.num_envs == 4 and wrapper.device == torch.device(DEVICE)
        assert wrapper.observation_space.shape == (env.observation_dims["policy"],)
        assert wrapper.action_space.shape == (env.action_dim,)
        assert wrapper.state_space is None
        obs, _ = wrapper.reset()
        assert obs.shape == (4, env.observation_dims["policy"]) and wrapper.state() is None
        for _ in range(3):
            obs, reward, terminated, truncated, info = wrapper.step(torch.zeros(4, 1))
        assert reward.shape == terminated.shape == truncated.shape == (4, 1)
        assert truncated.all() and not terminated.any()  # the 3-step time limit
        assert not torch.equal(info["final_observations"], obs)  # pre- vs post-reset
        assert info["episode_length"].tolist() == [3, 3, 3, 3]
    finally:
        env.close()


def test_wrapper_states_are_the_critic_group(short_env) -> None:
    env_cfg = short_env(num_envs=4)
    policy = env_cfg.observations["policy"]
    env_cfg.observations["critic"] = type(policy)(terms=dict(policy.terms), enable_noise=False)
    env = ManagerBasedRlEnv(env_cfg, device=DEVICE)
    try:
        wrapper = GenelabSkrlWrapper(env)
        wrapper.reset()
        obs, *_, info = wrapper.step(torch.zeros(4, 1))
        assert wrapper.state_space.shape == (env.observation_dims["critic"],)
        torch.testing.assert_close(wrapper.state(), obs)  # same terms, no noise
        assert info["final_states"].shape == wrapper.state().shape
    finally:
        env.close()


def _collect(agent_cfg, short_env):
    """Run STEPS random-ish steps (no update yet) and return the agent and what the env gave."""
    env = ManagerBasedRlEnv(short_env(num_envs=8, horizon=20, seed=1), device=DEVICE)
    wrapper = GenelabSkrlWrapper(env)
    agent = build_agent(agent_cfg, wrapper, DEVICE)
    trainer = GenelabSkrlTrainer(wrapper, agent, algorithm=agent_cfg.algorithm,
                                 steps_per_iteration=STEPS, save_interval=1, run_dir=None,
                                 progress=TrainingProgress(enabled=False))
    agent.enable_training_mode(True)
    steps = []
    for t in range(STEPS - 1):  # stop before the PPO update consumes the rollout
        rewards, terminated, truncated, info = trainer.step(t, STEPS)
        steps.append((rewards, terminated, truncated, info["final_observations"],
                      trainer._obs))
    env.close()
    return agent, steps


def _loud_policy(agent) -> None:
    """Large initial noise so the pole falls within the time limit."""
    with torch.no_grad():
        agent.policy.log_std.fill_(1.0)


def test_on_policy_bootstraps_time_outs_from_the_final_observation(tiny_agent, short_env
                                                                   ) -> None:
    agent_cfg = tiny_agent("PPO")
    agent_cfg.steps_per_iteration = STEPS
    agent_cfg.ppo.mini_batches = 1
    agent_cfg.models.policy.initial_log_std = 1.5
    agent, steps = _collect(agent_cfg, short_env)
    stored = agent.memory.get_tensor_by_name("rewards")
    gamma = agent.cfg.discount_factor
    seen = {"terminated": 0, "truncated": 0}
    with torch.no_grad():
        for t, (rewards, terminated, truncated, final_obs, next_obs) in enumerate(steps):
            def value(x):
                v, _ = agent.value.act({"observations": agent._observation_preprocessor(x)},
                                       role="value")
                return agent._value_preprocessor(v, inverse=True)

            expected = rewards + gamma * value(final_obs) * truncated
            torch.testing.assert_close(stored[t], expected)
            if truncated.any():  # the post-reset observation would give another target
                wrong = rewards + gamma * value(next_obs) * truncated
                assert not torch.allclose(stored[t][truncated], wrong[truncated])
            seen["terminated"] += int(terminated.sum())
            seen["truncated"] += int(truncated.sum())
    assert seen["terminated"] > 0 and seen["truncated"] > 0, seen
    torch.testing.assert_close(agent.memory.get_tensor_by_name("terminated")[:len(steps)],
                               torch.stack([s[1] for s in steps]))
    assert agent.cfg.time_limit_bootstrap


@pytest.mark.parametrize("algorithm", ["SAC", "TD3", "DDPG"])
def test_off_policy_stores_final_observation_and_terminated_only(tiny_agent, short_env,
                                                                  algorithm) -> None:
    agent_cfg = tiny_agent(algorithm)
    agent_cfg.memory.memory_size = STEPS
    hyper = agent_cfg.hyperparameters
    hyper.learning_starts = 10 * STEPS  # collect only
    if algorithm == "SAC":
        agent_cfg.models.policy.initial_log_std = 1.5
    else:
        hyper.exploration_noise_std = 3.0
    agent, steps = _collect(agent_cfg, short_env)
    memory = {name: agent.memory.get_tensor_by_name(name)
              for name in ("next_observations", "terminated", "rewards")}
    seen = {"terminated": 0, "truncated": 0}
    for t, (rewards, terminated, truncated, final_obs, next_obs) in enumerate(steps):
        torch.testing.assert_close(memory["next_observations"][t], final_obs)
        assert torch.equal(memory["terminated"][t], terminated)  # a time-out is no terminal
        torch.testing.assert_close(memory["rewards"][t], rewards)
        done = (terminated | truncated).view(-1)
        if done.any():
            assert not torch.allclose(final_obs[done], next_obs[done])
        seen["terminated"] += int(terminated.sum())
        seen["truncated"] += int(truncated.sum())
    assert seen["terminated"] > 0 and seen["truncated"] > 0, seen
