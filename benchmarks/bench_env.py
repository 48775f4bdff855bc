"""Env steps/s of GeneLab-Cartpole-v0 beside its bare dynamics (same physics substeps).

Run: ``python benchmarks/bench_env.py [--sizes 64 512 4096 16384] [--device cpu]``.
The ratio is bare-dynamics steps/s over env steps/s: the cost of the managers (actions,
observations, rewards, terminations, events, auto-reset, logging). Target: <= 1.5 at
N = 4096 on CPU. Env and bare dynamics are timed in alternating rounds and each keeps its
best round, so a noisy machine slows neither side more than the other.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import torch
from genelab.envs import ManagerBasedRlEnv
from genelab.registry import TASKS
from genelab.testing import suite_device

TASK = "GeneLab-Cartpole-v0"


def steps_per_second(step: Callable[[], object], min_seconds: float) -> float:
    """Calls of ``step`` per second, timed over at least ``min_seconds``."""
    calls, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < min_seconds:
        for _ in range(50):
            step()
        calls += 50
    return calls / elapsed


def best_rates(steps: tuple[Callable[[], object], ...], seconds: float, rounds: int,
               warmup: int = 20) -> list[float]:
    """The best calls/s of each of ``steps`` over ``rounds`` alternating rounds."""
    for step in steps:
        for _ in range(warmup):
            step()
    best = [0.0] * len(steps)
    for _ in range(rounds):
        for i, step in enumerate(steps):
            best[i] = max(best[i], steps_per_second(step, seconds / rounds))
    return best


def measure(num_envs: int, device: str, seconds: float, rounds: int) -> tuple[float, float]:
    """(env steps/s, bare dynamics steps/s) for ``num_envs`` envs, in env steps."""
    cfg = TASKS.get(TASK).env
    cfg.num_envs, cfg.seed = num_envs, 0
    env = ManagerBasedRlEnv(cfg, device=device)
    action = torch.zeros(num_envs, env.action_dim, device=device)
    action[:, 0] = 0.3  # a constant push: episodes end and reset all the time

    def env_step() -> None:
        env.step(action)

    model = cfg.sim.model.build(num_envs, torch.device(device))
    force = action * env.action_manager.scale
    substeps, dt = cfg.decimation, cfg.sim.dt

    def bare_step() -> None:
        for _ in range(substeps):
            model.step(force, dt)

    try:
        env_rate, bare_rate = best_rates((env_step, bare_step), seconds, rounds)
        return env_rate, bare_rate
    finally:
        env.close()


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[64, 512, 4096, 16384])
    parser.add_argument("--device", default=suite_device(),
                        help="torch device (default: $GENELAB_TEST_DEVICE or cpu)")
    parser.add_argument("--seconds", type=float, default=2.0, help="time per measurement")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds per size")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch intra-op threads (default: torch's choice)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"{TASK} on {args.device}, torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads")
    print(f"{'N':>7} | {'env steps/s':>12} | {'bare steps/s':>12} | {'env samples/s':>13} | ratio")
    for n in args.sizes:
        env_rate, bare_rate = measure(n, args.device, args.seconds, args.rounds)
        print(f"{n:>7} | {env_rate:>12,.0f} | {bare_rate:>12,.0f} | {env_rate * n:>13,.0f} | "
              f"{bare_rate / env_rate:.2f}x")


if __name__ == "__main__":
    main()
