"""The fused env step gives exactly what its term functions give, rollout after rollout."""

from __future__ import annotations

import functools

import torch
from genelab.envs import EventTermCfg, ManagerBasedRlEnv, ManagerBasedRlEnvCfg, mdp
from genelab.registry import TASKS
from genelab.testing import suite_device

DEVICE = suite_device()


def noisy_reach_cfg() -> ManagerBasedRlEnvCfg:
    """Reach with every source of randomness: noise, interval events, timed commands."""
    cfg = TASKS.get("GeneLab-Reach-v0").env
    cfg.num_envs, cfg.seed, cfg.episode_length_s = 16, 5, 1.0
    cfg.commands["goal"].resampling_time_range_s = (0.3, 0.9)
    for term in cfg.observations["policy"].terms.values():
        term.noise_std = 0.05
    cfg.events["kick"] = EventTermCfg(
        func=mdp.reset_state_uniform, mode="interval", interval_range_s=(0.2, 0.6),
        params={"pos_range": [(-0.2, 0.2)] * 2, "vel_range": [(-0.1, 0.1)] * 2})
    return cfg


def assert_same(expected: object, got: object, where: str) -> None:
    """Bitwise equality of nested dicts of tensors and floats."""
    if isinstance(expected, dict):
        assert isinstance(got, dict) and expected.keys() == got.keys(), where
        for key in expected:
            assert_same(expected[key], got[key], f"{where}/{key}")
    elif isinstance(expected, torch.Tensor):
        assert expected.dtype == got.dtype and torch.equal(expected, got), where
    else:
        assert expected == got, where


def test_two_envs_of_one_seed_step_identically_through_resets_and_noise():
    first, second = (ManagerBasedRlEnv(noisy_reach_cfg(), device=DEVICE) for _ in range(2))
    actions = torch.rand(60, 16, 2, generator=torch.Generator().manual_seed(1)) * 3 - 1.5
    for step, action in enumerate(actions):
        expected, got = first.step(action), second.step(action)
        assert_same(expected._asdict(), got._asdict(), f"step {step}")
    assert_same(first.state_dict(), second.state_dict(), "state")


def test_returned_tensors_keep_their_values_on_later_steps():
    env = ManagerBasedRlEnv(noisy_reach_cfg(), device=DEVICE)
    result = env.step(torch.ones(16, 2))
    kept = {name: value.clone() for name, value in result.extras.items()
            if isinstance(value, torch.Tensor)}
    for _ in range(25):  # past the time limit: every env resets
        env.step(torch.ones(16, 2))
    for name, value in kept.items():
        assert torch.equal(result.extras[name], value), name


def from_terms(env: ManagerBasedRlEnv, group: str) -> torch.Tensor:
    """An observation group computed from its term functions (noise-free groups)."""
    parts = []
    for term in env.cfg.observations[group].terms.values():
        value = term.func(env, **term.params)
        if term.clip is not None:
            value = value.clamp(*term.clip)
        parts.append((value * term.scale).reshape(env.num_envs, -1).float())
    return torch.cat(parts, dim=1)


def test_step_equals_its_term_functions():
    """Cartpole's outputs and episode log against the terms, recomputed step by step
    in a copy of the env restored to the same state."""
    cfg = TASKS.get("GeneLab-Cartpole-v0").env
    cfg.num_envs, cfg.seed, cfg.episode_length_s = 32, 2, 0.5  # time-outs too
    env, mirror = ManagerBasedRlEnv(cfg, device=DEVICE), ManagerBasedRlEnv(cfg, device=DEVICE)
    actions = torch.rand(80, 32, 1, generator=torch.Generator().manual_seed(3)) * 3 - 1.5
    ended = 0
    for action in actions:
        mirror.load_state_dict(env.state_dict())
        sums = mirror.reward_manager.episode_sums.clone()
        result = env.step(action)
        mirror.action_manager.process(action)
        mirror.sim.step(mirror.action_manager.processed_action, cfg.decimation)
        mirror.episode_length_buf += 1
        values = {name: term.func(mirror, **term.params)
                  for name, term in cfg.terminations.items()}
        terminated = functools.reduce(torch.logical_or, [
            values[name] for name, term in cfg.terminations.items() if not term.time_out])
        truncated = values["time_out"] & ~terminated
        mirror.termination_manager.terminated = terminated  # what is_alive reads
        weighted = torch.stack([term.func(mirror, **term.params).float() * term.weight
                                for term in cfg.rewards.values()])
        assert torch.equal(result.terminated, terminated)
        assert torch.equal(result.truncated, truncated)
        assert torch.equal(result.reward, weighted.sum(dim=0))
        assert torch.equal(result.extras["final_obs"]["policy"], from_terms(mirror, "policy"))
        assert torch.equal(result.extras["episode_length"], mirror.episode_length_buf)
        done = (terminated | truncated).nonzero().squeeze(-1)
        alive = (~(terminated | truncated)).nonzero().squeeze(-1)
        assert torch.equal(result.obs["policy"][alive], from_terms(mirror, "policy")[alive])
        assert torch.equal(result.obs["policy"][done], from_terms(env, "policy")[done])
        if done.numel():
            ended += done.numel()
            totals = (sums + weighted).index_select(1, done).sum(dim=1).tolist()
            expected = {f"Episode_Reward/{name}": total / done.numel()
                        for name, total in zip(cfg.rewards, totals, strict=True)}
            expected.update({f"Episode_Termination/{name}": int(value[done].sum()) / done.numel()
                             for name, value in values.items()})
            assert result.extras["log"] == expected
        else:
            assert result.extras["log"] == {}
    assert ended > 32  # episodes ended on several steps
