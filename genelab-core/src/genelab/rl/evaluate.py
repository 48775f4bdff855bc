"""Batched, unbiased evaluation of a policy: every env contributes the same number of episodes."""

from __future__ import annotations

from typing import Any

from genelab.rl.backend import Policy


def evaluate(env: Any, policy: Policy, episodes_per_env: int = 1) -> dict[str, float | None]:
    """Run ``policy`` until every env has finished ``episodes_per_env`` episodes.

    Envs that finish early keep stepping (the batch moves together) but their later
    episodes are not counted, so short episodes are not over-represented. Returns the
    mean/std of episode return and the mean episode length (``None`` without a finished
    episode), plus ``success_rate`` when the
    env reports ``extras["success"]``.
    """
    import torch

    n = env.num_envs
    device = env.device
    returns = torch.zeros(n, device=device)
    lengths = torch.zeros(n, device=device)
    counted = torch.zeros(n, dtype=torch.long, device=device)
    all_returns, all_lengths, successes = [], [], []
    obs, _ = env.reset()
    step_cap = (env.max_episode_length + 1) * episodes_per_env
    with torch.inference_mode():
        for _ in range(step_cap):
            obs, reward, terminated, truncated, extras = env.step(policy(obs))
            active = counted < episodes_per_env
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
            if bool((counted >= episodes_per_env).all()):
                break
    episode_returns = torch.cat(all_returns) if all_returns else torch.zeros(0)
    episode_lengths = torch.cat(all_lengths) if all_lengths else torch.zeros(0)
    result = {
        "episodes": int(episode_returns.numel()),
        "return_mean": float(episode_returns.mean()) if all_returns else None,
        "return_std": float(episode_returns.std(unbiased=False)) if all_returns else None,
        "length_mean": float(episode_lengths.mean()) if all_lengths else None,
    }
    if successes:
        result["success_rate"] = float(torch.cat(successes).mean())
    return result
