"""ManagerBasedRlEnv: the step contract every backend relies on."""

from __future__ import annotations

import pytest
import torch
from genelab.envs import (
    ActionTermCfg,
    Bridge,
    CommandTermCfg,
    EventTermCfg,
    ManagerBasedRlEnv,
    ManagerBasedRlEnvCfg,
    ObservationGroupCfg,
    ObservationTermCfg,
    RewardTermCfg,
    TerminationTermCfg,
    mdp,
)
from genelab.errors import GenelabError
from genelab.overrides import apply_overrides, parse_override_args
from genelab.registry import TASKS
from genelab.sim import TorchSimulationCfg
from genelab.sim.models import PointMassCfg
from genelab.testing import suite_device

DEVICE = suite_device()


def constant_one(env: ManagerBasedRlEnv) -> torch.Tensor:
    """Reward 1 on every step."""
    return torch.ones(env.num_envs, device=env.device)


def episode_step(env: ManagerBasedRlEnv) -> torch.Tensor:
    """The step count inside the episode, as an observation."""
    return env.episode_length_buf.float().unsqueeze(1)


def fixed_horizon_cfg(num_envs: int = 3) -> ManagerBasedRlEnvCfg:
    """Constant reward 1, no failure, 10 steps of 0.1 s, then a time-out."""
    return ManagerBasedRlEnvCfg(
        sim=TorchSimulationCfg(model=PointMassCfg(), dt=0.1),
        num_envs=num_envs,
        seed=0,
        decimation=1,
        episode_length_s=1.0,
        actions={"force": ActionTermCfg(dim=2)},
        observations={"policy": ObservationGroupCfg(terms={
            "step": ObservationTermCfg(func=episode_step)})},
        rewards={"const": RewardTermCfg(func=constant_one, weight=1.0)},
        terminations={"time_out": TerminationTermCfg(func=mdp.time_out, time_out=True)},
    )


def cartpole(num_envs: int = 8, seed: int | None = 0) -> ManagerBasedRlEnv:
    cfg = TASKS.get("GeneLab-Cartpole-v0").env
    cfg.num_envs, cfg.seed = num_envs, seed
    return ManagerBasedRlEnv(cfg, device=DEVICE)


def test_fixed_horizon_is_truncated_not_terminated():
    env = ManagerBasedRlEnv(fixed_horizon_cfg(), device=DEVICE)
    assert env.max_episode_length == 10
    action = torch.zeros(3, 2)
    for step in range(1, 11):
        obs, reward, terminated, truncated, extras = env.step(action)
        assert torch.equal(reward, torch.ones(3, device=DEVICE))
        assert not terminated.any()
        if step < 10:
            assert not truncated.any()
            assert extras["log"] == {}
        else:
            assert truncated.all()
            assert extras["log"] == {"Episode_Reward/const": 10.0,
                                     "Episode_Termination/time_out": 1.0}
            assert torch.equal(extras["episode_return"], torch.full((3,), 10.0, device=DEVICE))
            assert torch.equal(extras["episode_length"], torch.full((3,), 10, device=DEVICE))
            # pre-reset observation in extras, post-reset observation returned
            assert torch.equal(extras["final_obs"]["policy"], torch.full((3, 1), 10.0, device=DEVICE))
            assert torch.equal(obs["policy"], torch.zeros(3, 1, device=DEVICE))
    _, _, _, truncated, extras = env.step(action)
    assert not truncated.any() and extras["log"] == {}  # never stale


def test_final_obs_holds_pre_reset_rows_and_equals_obs_elsewhere():
    env = cartpole(num_envs=32)
    push = torch.ones(32, 1)
    for _ in range(100):
        before = env.sim.joint_state().clone()
        obs, _, terminated, truncated, extras = env.step(push)
        done = terminated | truncated
        if done.any():
            break
    assert done.any() and not done.all(), "the push should topple some poles first"
    final = extras["final_obs"]["policy"]
    assert torch.equal(final[~done], obs["policy"][~done])
    # the finished rows show the failure that ended them; the fresh rows do not
    failed = (final[done, 1].abs() > 0.2) | (final[done, 0].abs() > 2.4)
    assert failed.all()
    assert (obs["policy"][done, 1].abs() <= 0.1).all()
    # one step of physics from the state before the step reproduces the final observation
    model = env.cfg.sim.model.build(32, env.device)
    model.state.copy_(before)
    for _ in range(env.cfg.decimation):
        model.step(push * 10.0, env.cfg.sim.dt)
    torch.testing.assert_close(final[done], model.state[done])


def test_episode_stats_only_on_ending_steps():
    env = cartpole(num_envs=16)
    seen_logs = 0
    for _ in range(60):
        _, _, terminated, truncated, extras = env.step(torch.full((16, 1), 0.5))
        done = terminated | truncated
        if done.any():
            seen_logs += 1
            log = extras["log"]
            assert set(log) == {f"Episode_Reward/{t}" for t in env.reward_manager.term_names} | {
                f"Episode_Termination/{t}" for t in env.termination_manager.term_names}
            assert log["Episode_Reward/alive"] == pytest.approx(
                (extras["episode_length"][done].float() - 1).mean().item())
            assert log["Episode_Termination/time_out"] == 0.0
        else:
            assert extras["log"] == {}
    assert seen_logs > 0


def rollout(env: ManagerBasedRlEnv, steps: int = 30) -> torch.Tensor:
    rewards = []
    for _ in range(steps):
        action = torch.rand(env.num_envs, env.action_dim, generator=env.generator) * 2 - 1
        rewards.append(env.step(action)[1])
    return torch.stack(rewards)


def test_same_seed_same_rollout_and_different_seed_differs():
    first, second, other = cartpole(seed=7), cartpole(seed=7), cartpole(seed=8)
    assert torch.equal(first.obs_buf["policy"], second.obs_buf["policy"])
    reference = rollout(first)
    assert torch.equal(reference, rollout(second))
    assert not torch.equal(reference, rollout(other))
    other.reset(seed=7)
    assert torch.equal(rollout(other), rollout(cartpole(seed=7)))


def test_overrides_reach_the_built_env():
    cfg = fixed_horizon_cfg()
    overrides = parse_override_args(
        ["--env.sim.dt", "0.01", "--env.rewards.const.weight=2.0"], ("env",))
    apply_overrides({"env": cfg}, overrides)
    env = ManagerBasedRlEnv(cfg, device=DEVICE)
    assert env.step_dt == pytest.approx(0.01)
    assert env.max_episode_length == 100
    assert torch.equal(env.step(torch.zeros(3, 2))[1], torch.full((3,), 2.0, device=DEVICE))


def test_actions_are_clipped_then_scaled():
    cfg = fixed_horizon_cfg(num_envs=2)
    cfg.actions["force"] = ActionTermCfg(dim=2, scale=3.0, offset=0.5, clip=(-1.0, 1.0))
    env = ManagerBasedRlEnv(cfg, device=DEVICE)
    assert env.single_action_space.low.tolist() == [-1.0, -1.0]
    env.step(torch.tensor([[5.0, -0.5], [-9.0, 0.0]]))
    assert env.action_manager.processed_action.tolist() == [[3.5, -1.0], [-2.5, 0.5]]
    with pytest.raises(GenelabError, match="shape"):
        env.step(torch.zeros(2, 3))


def test_interval_events_and_timed_commands_fire():
    cfg = fixed_horizon_cfg(num_envs=4)
    cfg.episode_length_s = 100.0
    cfg.events["kick"] = EventTermCfg(
        func=mdp.reset_state_uniform, mode="interval", interval_range_s=(0.3, 0.3),
        params={"pos_range": [(5.0, 5.0), (5.0, 5.0)], "vel_range": [(0.0, 0.0), (0.0, 0.0)]})
    cfg.commands["goal"] = CommandTermCfg(
        func=lambda env, ids: torch.rand(len(ids), 1, generator=env.generator),
        dim=1, resampling_time_range_s=(0.5, 0.5))
    env = ManagerBasedRlEnv(cfg, device=DEVICE)
    goal = env.command_manager.get("goal").clone()
    for _ in range(2):
        env.step(torch.zeros(4, 2))
    assert torch.equal(env.sim.joint_pos, torch.zeros(4, 2, device=DEVICE))
    env.step(torch.zeros(4, 2))  # 0.3 s: the kick fires
    assert torch.equal(env.sim.joint_pos, torch.full((4, 2), 5.0, device=DEVICE))
    assert torch.equal(env.command_manager.get("goal"), goal)
    env.step(torch.zeros(4, 2))
    env.step(torch.zeros(4, 2))  # 0.5 s: goals resampled
    assert not torch.equal(env.command_manager.get("goal"), goal)


class RecordingBridge(Bridge):
    def __init__(self, fail_in: str = "") -> None:
        self.calls: list[str] = []
        self.fail_in = fail_in

    def on_build(self, env):
        self.calls.append("on_build")

    def pre_step(self, env, action):
        self.calls.append("pre_step")
        if self.fail_in == "pre_step":
            raise RuntimeError("bridge failed")

    def post_step(self, env, result):
        self.calls.append("post_step")
        assert result.reward.shape == (env.num_envs,)

    def close(self):
        self.calls.append("close")


def test_bridges_are_called_around_steps_and_closed_on_error():
    ok, failing = RecordingBridge(), RecordingBridge(fail_in="pre_step")
    env = ManagerBasedRlEnv(fixed_horizon_cfg(), device=DEVICE, bridges=(ok,))
    env.step(torch.zeros(3, 2))
    env.add_bridge(failing)
    with pytest.raises(RuntimeError, match="bridge failed"), env:
        env.step(torch.zeros(3, 2))
    assert ok.calls == ["on_build", "pre_step", "post_step", "pre_step", "close"]
    assert failing.calls == ["on_build", "pre_step", "close"]
    assert env.bridges == []


def test_config_errors_are_genelab_errors():
    cfg = fixed_horizon_cfg()
    cfg.actions["force"].dim = 3
    with pytest.raises(GenelabError, match="sim takes 2 controls"):
        ManagerBasedRlEnv(cfg, device=DEVICE)
    env = ManagerBasedRlEnv(fixed_horizon_cfg(), device=DEVICE)
    assert not env.is_goal_task
    with pytest.raises(GenelabError, match="not goal-conditioned"):
        env.compute_reward(torch.zeros(1, 2), torch.zeros(1, 2))
    with pytest.raises(GenelabError, match="no env.goal_success"):
        env.is_success(torch.zeros(1, 2), torch.zeros(1, 2))


def test_state_dict_continues_a_rollout_exactly_in_a_fresh_env():
    """Timers, commands, episode sums, actions, physics and the generator all come back."""
    cfg = TASKS.get("GeneLab-Reach-v0").env
    cfg.num_envs, cfg.seed = 6, 3
    cfg.commands["goal"].resampling_time_range_s = (0.3, 0.9)
    for term in cfg.observations["policy"].terms.values():
        term.noise_std = 0.05  # noise draws from the generator on every step
    cfg.events["kick"] = EventTermCfg(
        func=mdp.reset_state_uniform, mode="interval", interval_range_s=(0.2, 0.6),
        params={"pos_range": [(-0.2, 0.2)] * 2, "vel_range": [(-0.1, 0.1)] * 2})
    first = ManagerBasedRlEnv(cfg, device=DEVICE)
    actions = torch.rand(40, 6, first.action_dim, generator=torch.Generator().manual_seed(0))
    for action in actions[:17]:
        first.step(action * 2 - 1)
    saved = first.state_dict()
    second = ManagerBasedRlEnv(cfg, device=DEVICE)
    second.step(actions[0])  # wherever it stands, loading puts it where the first one is
    second.load_state_dict(saved)
    for action in actions[17:]:
        expected, got = first.step(action * 2 - 1), second.step(action * 2 - 1)
        for name in expected.obs:
            assert torch.equal(expected.obs[name], got.obs[name])
        assert torch.equal(expected.reward, got.reward)
        assert torch.equal(expected.extras["episode_return"], got.extras["episode_return"])
    assert torch.equal(first.generator.get_state(), second.generator.get_state())


def test_state_of_another_env_count_is_refused():
    saved = cartpole(num_envs=4).state_dict()
    with pytest.raises(GenelabError, match="has 4 envs, this env 8"):
        cartpole(num_envs=8).load_state_dict(saved)
