"""Core's metrics schema and wall-time accounting, on real envs and real event files."""

from __future__ import annotations

import pytest
import torch
from genelab.envs import ManagerBasedRlEnv
from genelab.rl import timing
from genelab.rl.metrics import EpisodeStatistics, TrainingMetrics
from genelab.rl.progress import IterationStats
from genelab.rl.tensorboard import open_summary_writer
from genelab.rl.timing import WallTime, format_breakdown
from genelab.testing import short_env_cfg, suite_device
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

DEVICE = suite_device()


def run_random(env: ManagerBasedRlEnv, steps: int, seed: int = 0) -> list[dict]:
    """Step ``env`` with random actions; return every finished episode as the env saw it."""
    generator = torch.Generator().manual_seed(seed)
    episodes = []
    for _ in range(steps):
        action = 2 * torch.rand(env.num_envs, env.action_dim, generator=generator) - 1
        _, _, terminated, truncated, extras = env.step(action)
        for i in (terminated | truncated).nonzero().flatten().tolist():
            episodes.append({"return": float(extras["episode_return"][i]),
                             "length": int(extras["episode_length"][i])})
    return episodes


def test_episode_statistics_are_per_episode_means() -> None:
    """Per-term sums add up to the episode return only when every episode weighs the same:
    a mean of per-step means (what rsl_rl and skrl log) breaks that when different numbers
    of episodes end on different steps."""
    env = ManagerBasedRlEnv(short_env_cfg("GeneLab-Cartpole-v0", num_envs=16, horizon=None),
                            device=DEVICE)
    statistics = EpisodeStatistics()
    env.add_bridge(statistics)
    try:
        episodes = run_random(env, 120)
        scalars = statistics.pop()
    finally:
        env.close()
    ends = len(episodes)
    assert ends > 40 and scalars["Episode/count"] == ends
    assert scalars["Episode/return"] == pytest.approx(sum(e["return"] for e in episodes) / ends)
    assert scalars["Episode/length"] == pytest.approx(sum(e["length"] for e in episodes) / ends)
    terms = sum(v for k, v in scalars.items() if k.startswith("Episode_Reward/"))
    assert terms == pytest.approx(scalars["Episode/return"], rel=1e-4)
    shares = sum(v for k, v in scalars.items() if k.startswith("Episode_Termination/"))
    assert 1.0 <= shares <= 2.0  # every episode ends by at least one term
    assert "Episode/success_rate" not in scalars  # not a goal task
    assert statistics.pop() == {}  # counted once; nothing ended since


def test_success_rate_on_a_goal_task() -> None:
    env = ManagerBasedRlEnv(short_env_cfg("GeneLab-Reach-v0", num_envs=8, horizon=5),
                            device=DEVICE)
    statistics = EpisodeStatistics()
    env.add_bridge(statistics)
    try:
        run_random(env, 10)
        scalars = statistics.pop()
    finally:
        env.close()
    assert scalars["Episode/count"] == 16
    assert 0.0 <= scalars["Episode/success_rate"] <= 1.0


def test_training_metrics_write_one_schema_against_env_transitions(tmp_path) -> None:
    env = ManagerBasedRlEnv(short_env_cfg("GeneLab-Cartpole-v0", num_envs=4, horizon=5),
                            device=DEVICE)
    writer = open_summary_writer(tmp_path)
    metrics = TrainingMetrics(lambda: writer, env, WallTime())
    metrics.elapsed_before = 100.0  # as after a resume
    try:
        metrics.start(0)
        library = metrics.library_writer(lambda tag: "Loss/value" if tag == "vf" else None)
        for iteration in range(3):
            run_random(env, 6, seed=iteration)
            library.add_scalar("vf", 0.5 + iteration, iteration)  # the library's own step
            library.add_scalar("Train/mean_reward", 1.0, iteration)  # core's business: dropped
            metrics.write(IterationStats(iteration, env_steps=24 * (iteration + 1)))
    finally:
        writer.close()
        env.close()
    events = EventAccumulator(str(tmp_path))
    events.Reload()
    series = {tag: [(e.step, e.value) for e in events.Scalars(tag)]
              for tag in events.Tags()["scalars"]}
    assert "Train/mean_reward" not in series
    assert series["Loss/value"] == [(24, 0.5), (48, 1.5), (72, 2.5)]
    for tag in ("Episode/return", "Episode/length", "Perf/steps_per_s", "Time/elapsed_s",
                "Episode_Reward/alive", "Episode_Termination/time_out"):
        assert [step for step, _ in series[tag]] == [24, 48, 72], tag
    elapsed = [value for _, value in series["Time/elapsed_s"]]
    assert 100.0 < elapsed[0] < elapsed[1] < elapsed[2]
    assert all(value > 0 for _, value in series["Perf/steps_per_s"])


def test_library_writer_is_none_where_nothing_is_written() -> None:
    env = ManagerBasedRlEnv(short_env_cfg("GeneLab-Cartpole-v0", num_envs=2), device=DEVICE)
    try:
        metrics = TrainingMetrics(lambda: None, env, WallTime())
        assert metrics.library_writer(lambda tag: tag) is None
        metrics.scalar("Loss/value", 1.0)
        metrics.write(IterationStats(0, env_steps=2))  # drops everything, raises nothing
    finally:
        env.close()


class FakeClock:
    """``time.perf_counter`` under test control."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_nested_phases_count_once(monkeypatch) -> None:
    clock = FakeClock()
    monkeypatch.setattr(timing.time, "perf_counter", clock)
    wall = WallTime()
    clock.now = 2.0  # setup
    wall.start()
    with wall.phase("acting"):
        clock.now += 1.0
        wall.begin("env")
        clock.now += 3.0
        wall.end()
        with wall.phase("checkpoints"):
            clock.now += 0.5
    wall.wrap("learning", lambda: setattr(clock, "now", clock.now + 4.0))()
    clock.now += 0.5  # nobody's
    seconds = wall.breakdown()
    assert seconds["acting"] == 1.0 and seconds["env"] == 3.0
    assert seconds["checkpoints"] == 0.5 and seconds["learning"] == 4.0
    assert seconds["other"] == 0.5 and seconds["training"] == 9.0
    assert seconds["setup"] == 2.0 and seconds["total"] == 11.0
    table = format_breakdown(seconds)
    assert "env stepping" in table and "44.4%" in table  # learning: 4 of 9 s
    with pytest.raises(ValueError, match="unknown phase"):
        wall.begin("thinking")
