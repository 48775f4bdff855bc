"""Batched, unbiased evaluation of a policy: an exact number of complete episodes spread
evenly over the envs, summarised with a 95% confidence interval of the return."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from genelab.rl.backend import Policy

#: Episodes ``genelab eval`` counts without ``--episodes``.
DEFAULT_EPISODES = 100
#: Seed of ``genelab eval`` without ``--seed``: a fixed one of its own, not the run's
#: training seed, so every checkpoint and baseline meets the same start states and the
#: evaluation does not replay the random stream that training started from.
DEFAULT_SEED = 1_000_003
#: 97.5% quantiles of Student's t for 1-4 degrees of freedom (the expansion below is
#: off by more than 1e-3 there).
_T_SMALL_DF = (12.7062, 4.3027, 3.1824, 2.7764)
_Z = 1.959964


def t_quantile_975(df: int) -> float:
    """The 97.5% quantile of Student's t with ``df`` degrees of freedom (no scipy).

    Exact to 4 decimals for ``df`` < 5, beyond that the Cornish-Fisher expansion in
    ``1/df`` (error below 3e-4), which tends to the normal 1.96.
    """
    if df < 1:
        raise ValueError(f"degrees of freedom must be at least 1 (got {df})")
    if df <= len(_T_SMALL_DF):
        return _T_SMALL_DF[df - 1]
    z = _Z
    terms = ((z**3 + z) / 4, (5 * z**5 + 16 * z**3 + 3 * z) / 96,
             (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384,
             (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160)
    return z + sum(term / df ** (power + 1) for power, term in enumerate(terms))


@dataclass(frozen=True)
class ReturnStats:
    """Summary of episode returns; ``None`` where undefined or not finite.

    Attributes:
        mean: The mean return (``None`` without episodes).
        std: The sample standard deviation (n - 1 in the denominator; ``None`` below 2
            episodes).
        ci95: Half-width of the 95% confidence interval of the mean, Student's t:
            ``t(0.975, n - 1) * std / sqrt(n)`` (``None`` below 2 episodes).
    """

    mean: float | None
    std: float | None
    ci95: float | None


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def return_stats(returns: Sequence[float]) -> ReturnStats:
    """Mean, sample std and 95% t confidence half-width of ``returns`` (see :class:`ReturnStats`)."""
    n = len(returns)
    if n == 0:
        return ReturnStats(None, None, None)
    mean = math.fsum(returns) / n
    if n == 1:
        return ReturnStats(_finite(mean), None, None)
    std = math.sqrt(math.fsum((r - mean) ** 2 for r in returns) / (n - 1))
    return ReturnStats(_finite(mean), _finite(std), _finite(t_quantile_975(n - 1) * std / math.sqrt(n)))


def episode_quotas(episodes: int, num_envs: int) -> list[int]:
    """Episodes each env counts: ``episodes // num_envs``, one more for the first
    ``episodes % num_envs`` envs, so the total is exactly ``episodes``."""
    base, extra = divmod(episodes, num_envs)
    return [base + (i < extra) for i in range(num_envs)]


def evaluate(env: Any, policy: Policy, episodes: int | None = None) -> dict[str, Any]:
    """Run ``policy`` until exactly ``episodes`` complete episodes are counted (default:
    one per env), spread over the envs by :func:`episode_quotas`.

    Envs that finish their quota keep stepping (the batch moves together) but their later
    episodes are not counted, so short episodes are not over-represented. Every episode
    ends by ``max_episode_length``, which caps the steps. Returns ``episodes`` (the number
    counted), ``return_mean``, ``return_std``, ``return_ci95`` (see :class:`ReturnStats`),
    ``length_mean``, and ``success_rate`` when the env reports ``extras["success"]``.
    """
    import torch

    n, device = env.num_envs, env.device
    quota = torch.tensor(episode_quotas(n if episodes is None else episodes, n), device=device)
    returns = torch.zeros(n, device=device)
    lengths = torch.zeros(n, device=device)
    counted = torch.zeros(n, dtype=torch.long, device=device)
    all_returns, all_lengths, successes = [], [], []
    obs, _ = env.reset()
    step_cap = (env.max_episode_length + 1) * int(quota.max())
    with torch.inference_mode():
        for _ in range(step_cap):
            if bool((counted >= quota).all()):
                break
            obs, reward, terminated, truncated, extras = env.step(policy(obs))
            active = counted < quota
            returns += reward * active
            lengths += active
            finished = (terminated | truncated) & active
            if finished.any():
                all_returns.append(returns[finished].clone())
                all_lengths.append(lengths[finished].clone())
                if "success" in extras:
                    successes.append(extras["success"][finished].float())
                returns[finished] = 0.0
                lengths[finished] = 0.0
                counted += finished.long()
    episode_returns = torch.cat(all_returns).tolist() if all_returns else []
    stats = return_stats(episode_returns)
    result: dict[str, Any] = {
        "episodes": len(episode_returns),
        "return_mean": stats.mean,
        "return_std": stats.std,
        "return_ci95": stats.ci95,
        "length_mean": float(torch.cat(all_lengths).mean()) if all_lengths else None,
    }
    if successes:
        result["success_rate"] = float(torch.cat(successes).mean())
    return result
