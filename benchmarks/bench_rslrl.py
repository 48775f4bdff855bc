"""Benchmark of the rsl_rl backend on GeneLab-Cartpole-v0.

1. Time to solve: train the default preset through ``RslRlBackend.train`` and report the
   wall time and iteration at which the training mean episode length first reaches 95% of
   the horizon, then the greedy (deterministic) first-episode length on a fresh env.
2. Overhead: env-steps/s of the GeneLab train path beside rsl-rl-lib's ``OnPolicyRunner``
   driven directly on the same wrapper, env config and rsl_rl dict, alternating the two
   ``--repeats`` times; prints the medians and their ratio (target: within 5%).

Usage: ``python benchmarks/bench_rslrl.py [--iterations 30] [--repeats 3] [--threads 2]``
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import tempfile
import time
from pathlib import Path

import torch
from genelab.envs import ManagerBasedRlEnv
from genelab.registry import TASKS
from genelab.rl import PlayContext, TrainContext
from genelab.rl.evaluate import evaluate
from genelab.rl.progress import TrainingProgress
from genelab.testing import suite_device
from genelab_backend_rslrl.backend import RslRlBackend
from genelab_backend_rslrl.wrapper import RslRlVecEnvWrapper
from solve_watch import SolveWatch

#: Where both sides run: $GENELAB_TEST_DEVICE (default cpu).
DEVICE = suite_device()

TASK = "GeneLab-Cartpole-v0"
SOLVED = 0.95


def _env(seed: int) -> tuple[object, ManagerBasedRlEnv]:
    env_cfg = TASKS.get(TASK).env
    env_cfg.seed = seed
    torch.manual_seed(seed)
    return env_cfg, ManagerBasedRlEnv(env_cfg, device=DEVICE)


def greedy_mean_length(agent_cfg, checkpoint: Path) -> float:
    """Mean first-episode length of the deterministic policy over one horizon."""
    env_cfg, env = _env(seed=1234)
    try:
        policy = RslRlBackend().inference_policy(PlayContext(
            task_id=TASK, env=env, env_cfg=env_cfg, agent_cfg=agent_cfg,
            checkpoint=checkpoint, device=DEVICE))
        return evaluate(env, policy)["length_mean"]
    finally:
        env.close()


def time_to_solve(seed: int, root: Path) -> None:
    """Section 1: wall time until Cartpole counts as solved with the default preset."""
    agent_cfg = TASKS.get(TASK).agent_cfg()
    agent_cfg.seed = seed
    env_cfg, env = _env(seed)
    watch = SolveWatch(SOLVED * env.max_episode_length)
    run_dir = root / f"solve_{seed}"
    run_dir.mkdir()
    start = time.perf_counter()
    try:
        RslRlBackend().train(TrainContext(task_id=TASK, env=env, env_cfg=env_cfg,
                                          agent_cfg=agent_cfg, run_dir=run_dir,
                                          device=DEVICE, progress=watch))
    finally:
        env.close()
    total = time.perf_counter() - start
    greedy = greedy_mean_length(agent_cfg, run_dir / f"model_{agent_cfg.max_iterations - 1}.pt")
    reached = (f"iteration {watch.solved.iteration} after {watch.solved.seconds:.1f} s"
               if watch.solved else "never")
    print(f"seed {seed}: {env.num_envs} envs, {agent_cfg.max_iterations} iterations in "
          f"{total:.1f} s; train ep len >= {SOLVED:.0%} of {env.max_episode_length} at "
          f"{reached}; greedy ep len {greedy:.1f}")


def genelab_path(iterations: int, root: Path, tag: str) -> float:
    """env-steps/s of ``RslRlBackend.train`` (wrapper + runner construction included)."""
    agent_cfg = TASKS.get(TASK).agent_cfg()
    agent_cfg.max_iterations = iterations
    env_cfg, env = _env(agent_cfg.seed)
    run_dir = root / f"genelab_{tag}"
    run_dir.mkdir()
    start = time.perf_counter()
    try:
        RslRlBackend().train(TrainContext(task_id=TASK, env=env, env_cfg=env_cfg,
                                          agent_cfg=agent_cfg, run_dir=run_dir, device=DEVICE,
                                          progress=TrainingProgress(enabled=False)))
    finally:
        env.close()
    seconds = time.perf_counter() - start
    return iterations * agent_cfg.steps_per_iteration * env.num_envs / seconds


def direct_path(iterations: int, root: Path, tag: str) -> float:
    """env-steps/s of rsl-rl-lib's own OnPolicyRunner on the same wrapper and cfg dict."""
    from rsl_rl.runners import OnPolicyRunner

    agent_cfg = TASKS.get(TASK).agent_cfg()
    env_cfg, env = _env(agent_cfg.seed)
    run_dir = root / f"direct_{tag}"
    start = time.perf_counter()
    try:
        with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
            wrapper = RslRlVecEnvWrapper(env, clip_actions=agent_cfg.clip_actions)
            runner = OnPolicyRunner(wrapper, agent_cfg.to_rsl_rl_dict(wrapper.observation_groups),
                                    log_dir=str(run_dir), device=DEVICE)
            runner.learn(iterations, init_at_random_ep_len=agent_cfg.init_at_random_ep_len)
            runner.logger.writer.close()
    finally:
        env.close()
    seconds = time.perf_counter() - start
    return iterations * agent_cfg.steps_per_iteration * env.num_envs / seconds


def overhead(iterations: int, repeats: int, root: Path) -> None:
    """Section 2: GeneLab train path vs. rsl-rl-lib driven directly."""
    ours, theirs = [], []
    for i in range(repeats):  # alternate so drifts in machine load hit both alike
        theirs.append(direct_path(iterations, root, str(i)))
        ours.append(genelab_path(iterations, root, str(i)))
    ours_med, theirs_med = statistics.median(ours), statistics.median(theirs)
    print(f"{iterations} iterations x {repeats} repeats (median env-steps/s):")
    print(f"  rsl-rl-lib OnPolicyRunner directly : {theirs_med:10,.0f}  "
          f"({', '.join(f'{v:,.0f}' for v in theirs)})")
    print(f"  GeneLab RslRlBackend.train         : {ours_med:10,.0f}  "
          f"({', '.join(f'{v:,.0f}' for v in ours)})")
    print(f"  ratio GeneLab / direct             : {ours_med / theirs_med:10.3f}")


def main() -> None:
    """Parse arguments and run both sections."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seeds", type=int, nargs="+", default=[42])
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {args.threads} threads, task {TASK}")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        print("== time to solve (default preset)")
        for seed in args.seeds:
            time_to_solve(seed, root)
        print("== train-path overhead")
        overhead(args.iterations, args.repeats, root)


if __name__ == "__main__":
    main()
