"""Evaluation: exact episode counts spread over the envs, no short-episode bias, and the
return statistics (mean, sample std, 95% t confidence interval) never NaN."""

from __future__ import annotations

import json
import math

import pytest
import torch
from genelab.rl.evaluate import (
    DEFAULT_EPISODES,
    DEFAULT_SEED,
    episode_quotas,
    evaluate,
    return_stats,
    t_quantile_975,
)
from genelab.testing import suite_device

DEVICE = suite_device()


class FixedLengthEnv:
    """Env ``i`` ends an episode every ``i + 1`` steps with reward 1 per step; env 2 succeeds."""

    num_envs, device, max_episode_length = 3, DEVICE, 10

    def __init__(self) -> None:
        self.t = torch.zeros(3, dtype=torch.long, device=DEVICE)
        self.steps = 0

    def reset(self):
        return torch.zeros(3, 1, device=DEVICE), {}

    def step(self, action):
        self.steps += 1
        self.t += 1
        done = self.t >= torch.arange(1, 4, device=DEVICE)
        self.t[done] = 0
        extras = {"success": torch.tensor([False, False, True], device=DEVICE)}
        return (torch.zeros(3, 1, device=DEVICE), torch.ones(3, device=DEVICE), done,
                torch.zeros(3, dtype=torch.bool, device=DEVICE), extras)


def test_quotas_sum_to_the_exact_count_and_differ_by_at_most_one():
    assert episode_quotas(7, 3) == [3, 2, 2]
    assert episode_quotas(100, 4) == [25] * 4
    assert episode_quotas(2, 3) == [1, 1, 0]
    assert sum(episode_quotas(DEFAULT_EPISODES, 6)) == DEFAULT_EPISODES >= 100


def test_evaluate_counts_each_envs_quota_only():
    env = FixedLengthEnv()
    metrics = evaluate(env, lambda obs: obs, episodes=7)
    # quotas 3, 2, 2 of lengths 1, 2, 3: the short env's extra episodes are not counted
    assert metrics["episodes"] == 7
    assert metrics["return_mean"] == pytest.approx((3 * 1 + 2 * 2 + 2 * 3) / 7)
    assert metrics["length_mean"] == pytest.approx(13 / 7)
    assert metrics["success_rate"] == pytest.approx(2 / 7)
    assert env.steps == 6  # env 2's second episode ends at step 6
    assert evaluate(FixedLengthEnv(), lambda obs: obs)["episodes"] == 3  # one per env


def test_confidence_interval_is_students_t():
    stats = return_stats([1.0, 2.0, 3.0, 4.0, 5.0])
    assert stats.mean == 3.0 and stats.std == pytest.approx(math.sqrt(2.5))
    assert stats.ci95 == pytest.approx(2.7764 * math.sqrt(2.5) / math.sqrt(5))
    # tabulated 97.5% quantiles; large df tends to the normal 1.96
    for df, expected in ((1, 12.706), (4, 2.776), (5, 2.571), (10, 2.228), (30, 2.042),
                         (1000, 1.962)):
        assert t_quantile_975(df) == pytest.approx(expected, abs=1e-3)


def test_one_episode_or_non_finite_returns_give_null_not_nan():
    single = return_stats([4.0])
    assert (single.mean, single.std, single.ci95) == (4.0, None, None)
    assert return_stats([]).mean is None
    assert return_stats([1.0, math.inf]).mean is None
    metrics = evaluate(FixedLengthEnv(), lambda obs: obs, episodes=1)
    assert metrics["episodes"] == 1 and metrics["return_ci95"] is None
    json.dumps(metrics, allow_nan=False)  # strict JSON


def test_the_cli_documents_the_defaults():
    import inspect

    from genelab.cli import running

    params = inspect.signature(running.evaluate).parameters
    assert params["episodes"].default.default == DEFAULT_EPISODES
    assert str(DEFAULT_SEED) in params["seed"].default.help
