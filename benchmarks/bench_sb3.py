"""Benchmark of the Stable-Baselines3 backend: time to solve Cartpole, side by side.

Both runs use SB3's PPO with the same settings (the ``sb3_ppo`` preset: 64 envs, 32 steps
per rollout, batch 512, 5 epochs, lr 1e-3, [64, 64] networks) on the same machine, in
the same process, alternating per seed:

* GeneLab: ``Sb3Backend.train`` on GeneLab-Cartpole-v0 (batched torch env behind
  ``GenelabSb3VecEnv``; continuous force, 250-step limit);
* plain SB3: ``PPO`` on gymnasium's CartPole-v1 in a ``DummyVecEnv`` of 64 Monitor-wrapped
  envs (discrete push, 500-step limit).

"Solved" is the mean length of the last 100 training episodes reaching 95% of the task's
time limit, checked after each update. Prints wall time and env steps to solve, env-steps/s,
and the ratio of the times (GeneLab / plain SB3; below 1 means GeneLab solves sooner).
The tasks differ in dynamics and action type, so the ratio compares the whole pipelines,
not the environments alone.

A second section measures collection throughput as the env count grows: SB3 PPO with one
gradient step per rollout (so stepping, the adapter and policy inference dominate) on
both vectorized envs, ``--envs`` counts, env-steps/s and their ratio.

Usage: ``python benchmarks/bench_sb3.py [--seeds 1 2 3] [--max-iterations 150]
[--envs 64 1024] [--threads N]``
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import torch
from genelab.envs import ManagerBasedRlEnv
from genelab.registry import TASKS
from genelab.rl import TrainContext
from genelab.testing import suite_device
from genelab_backend_sb3.backend import Sb3Backend
from solve_watch import Solved, SolveWatch
from stable_baselines3 import PPO
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.vec_env import DummyVecEnv

#: Where both sides run: $GENELAB_TEST_DEVICE (default cpu).
DEVICE = suite_device()

TASK = "GeneLab-Cartpole-v0"
PRESET = "sb3_ppo"
GYM_TASK = "CartPole-v1"
SOLVED = 0.95


@dataclass
class Outcome:
    """One training run: when it was solved, and how fast it stepped overall."""

    solved_at: float | None  # seconds
    solved_steps: int | None
    seconds: float
    env_steps: int

    def describe(self) -> str:
        solved = ("never" if self.solved_at is None
                  else f"{self.solved_at:6.1f} s / {self.solved_steps:>9,} env steps")
        rate = self.env_steps / self.seconds
        return f"solved after {solved}; {rate:9,.0f} env-steps/s overall"


class SolveCallback(BaseCallback):
    """The same check for plain SB3: after every update (when the next rollout starts)."""

    def __init__(self, target: float) -> None:
        super().__init__()
        self.target = target
        self.start = time.perf_counter()
        self.solved: tuple[float, int] | None = None

    def _on_rollout_start(self) -> None:
        episodes = self.model.ep_info_buffer
        if episodes and statistics.mean(e["l"] for e in episodes) >= self.target:
            self.solved = (time.perf_counter() - self.start, self.model.num_timesteps)
            raise Solved

    def _on_step(self) -> bool:
        return True


def genelab_run(seed: int, max_iterations: int, root: Path) -> Outcome:
    """PPO through the sb3 backend on GeneLab-Cartpole-v0 until solved."""
    task = TASKS.get(TASK)
    agent_cfg = task.agent_cfg(PRESET)
    agent_cfg.seed, agent_cfg.max_iterations = seed, max_iterations
    agent_cfg.save_interval = max_iterations  # one checkpoint, as plain SB3 writes none
    task.env.seed = seed
    torch.manual_seed(seed)
    start = time.perf_counter()
    env = ManagerBasedRlEnv(task.env, device=DEVICE)
    watch = SolveWatch(SOLVED * env.max_episode_length, stop=True)
    run_dir = root / f"genelab_{seed}"
    run_dir.mkdir()
    try:
        Sb3Backend().train(TrainContext(task_id=TASK, env=env, env_cfg=task.env,
                                        agent_cfg=agent_cfg, run_dir=run_dir, device=DEVICE,
                                        progress=watch))
    except Solved:
        pass
    finally:
        env.close()
    seconds = time.perf_counter() - start
    solved = watch.solved
    steps = watch.last.env_steps if watch.last else 0
    return Outcome(solved and solved.seconds, solved and solved.env_steps, seconds, steps)


def plain_sb3_run(seed: int, max_iterations: int) -> Outcome:
    """The same PPO settings on gymnasium's CartPole-v1 in a DummyVecEnv, until solved."""
    preset = TASKS.get(TASK).agent_cfg(PRESET)
    hyper = preset.ppo
    n_envs, n_steps = TASKS.get(TASK).env.num_envs, preset.steps_per_iteration
    start = time.perf_counter()
    venv = make_vec_env(GYM_TASK, n_envs=n_envs, seed=seed, vec_env_cls=DummyVecEnv)
    model = PPO("MlpPolicy", venv, n_steps=n_steps, batch_size=hyper.batch_size,
                n_epochs=hyper.n_epochs, learning_rate=hyper.learning_rate, gamma=hyper.gamma,
                gae_lambda=hyper.gae_lambda, ent_coef=hyper.ent_coef,
                policy_kwargs={"net_arch": list(preset.policy.net_arch)}, seed=seed,
                device=DEVICE, verbose=0)
    limit = venv.envs[0].spec.max_episode_steps
    callback = SolveCallback(SOLVED * limit)
    callback.start = start
    try:
        model.learn(max_iterations * n_steps * n_envs, callback=callback)
    except Solved:
        pass
    seconds = time.perf_counter() - start
    solved = callback.solved
    return Outcome(solved and solved[0], solved and solved[1], seconds, model.num_timesteps)


def collection_rate(venv, iterations: int = 10, n_steps: int = 16) -> float:
    """env-steps/s of SB3 PPO on ``venv`` with a single gradient step per rollout."""
    rollout = n_steps * venv.num_envs
    model = PPO("MlpPolicy", venv, n_steps=n_steps, batch_size=rollout, n_epochs=1,
                policy_kwargs={"net_arch": [64, 64]}, device=DEVICE, seed=0, verbose=0)
    model.learn(rollout)  # warm-up iteration (allocations, first calls)
    start = time.perf_counter()
    model.learn(iterations * rollout, reset_num_timesteps=False)
    return iterations * rollout / (time.perf_counter() - start)


def throughput(env_counts: list[int]) -> None:
    """Section 2: collection env-steps/s of both vectorized envs per env count."""
    from genelab_backend_sb3.vec_env import GenelabSb3VecEnv

    print("== collection throughput (PPO, one gradient step per rollout)")
    for n in env_counts:
        cfg = TASKS.get(TASK).env
        cfg.num_envs, cfg.seed = n, 0
        env = ManagerBasedRlEnv(cfg, device=DEVICE)
        try:
            ours = collection_rate(GenelabSb3VecEnv(env))
        finally:
            env.close()
        theirs = collection_rate(make_vec_env(GYM_TASK, n_envs=n, seed=0,
                                              vec_env_cls=DummyVecEnv))
        print(f"  {n:5d} envs: GenelabSb3VecEnv {ours:9,.0f} | DummyVecEnv {theirs:9,.0f} "
              f"env-steps/s | ratio {ours / theirs:.2f}")


def main() -> None:
    """Parse arguments, run both pipelines per seed and print the figures and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--max-iterations", type=int, default=150)
    parser.add_argument("--envs", type=int, nargs="+", default=[64, 1024])
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {args.threads} threads; PPO settings of '{PRESET}'; "
          f"solved = mean training episode length >= {SOLVED:.0%} of the time limit")
    ratios = []
    print("== time to solve")
    with tempfile.TemporaryDirectory() as tmp:
        for seed in args.seeds:  # alternate so drifts in machine load hit both alike
            ours = genelab_run(seed, args.max_iterations, Path(tmp))
            theirs = plain_sb3_run(seed, args.max_iterations)
            print(f"seed {seed}:")
            print(f"  GeneLab sb3 backend, {TASK:<20}: {ours.describe()}")
            print(f"  plain SB3 DummyVecEnv, {GYM_TASK:<18}: {theirs.describe()}")
            if ours.solved_at is not None and theirs.solved_at is not None:
                ratios.append(ours.solved_at / theirs.solved_at)
                print(f"  time-to-solve ratio GeneLab / plain SB3: {ratios[-1]:.2f}")
    if ratios:
        print(f"median time-to-solve ratio over {len(ratios)} seeds: "
              f"{statistics.median(ratios):.2f}")
    throughput(args.envs)


if __name__ == "__main__":
    main()
