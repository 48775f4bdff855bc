"""Env steps/s of the MuJoCo tasks through ManagerBasedRlEnv beside raw ``mujoco.rollout``.

Run: ``python benchmarks/bench_mujoco.py [--tasks ...] [--sizes 64 512] [--device cpu]``.
Both sides step the same model with the same frame skip, random controls and all cores
(rollout: one thread per core, one MjData per thread). The env side adds what a training
run pays for: the thread pool over persistent MjData, contact forces where the task reads
them, observations, rewards, terminations and resets. The ratio is rollout steps/s over
env steps/s (target: <= 1.3). Alternating rounds, best round of each.
"""

from __future__ import annotations

import argparse
import os

import mujoco
import numpy as np
import torch
from bench_env import best_rates
from genelab.envs import ManagerBasedRlEnv
from genelab.registry import TASKS
from genelab.testing import suite_device
from mujoco import rollout

TASKS_MEASURED = ("GeneLab-HalfCheetah-v0", "GeneLab-Hopper-v0", "GeneLab-Ant-v0")


def measure(task_id: str, num_envs: int, device: str, seconds: float, rounds: int
            ) -> tuple[float, float]:
    """(env steps/s, rollout steps/s) in env steps (``decimation`` physics steps each)."""
    cfg = TASKS.get(task_id).env
    cfg.num_envs, cfg.seed = num_envs, 0
    env = ManagerBasedRlEnv(cfg, device=device)
    generator = torch.Generator(device=device).manual_seed(0)
    actions = [torch.rand(num_envs, env.action_dim, generator=generator, device=device) * 2 - 1
               for _ in range(16)]
    turn = iter(range(10**12))

    def env_step() -> None:
        env.step(actions[next(turn) % 16])

    model = env.sim.model
    cores = len(os.sched_getaffinity(0))
    datas = [mujoco.MjData(model) for _ in range(cores)]
    spec = mujoco.mjtState.mjSTATE_FULLPHYSICS
    state = np.zeros((num_envs, mujoco.mj_stateSize(model, spec)))
    for i in range(num_envs):
        mujoco.mj_getState(model, env.sim._datas[i], state[i], spec)
    controls = np.random.default_rng(0).uniform(-1, 1, (num_envs, cfg.decimation, model.nu))
    pool = rollout.Rollout(nthread=cores)
    holder = {"state": state}

    def rollout_step() -> None:
        states, _ = pool.rollout(model, datas, holder["state"], controls)
        holder["state"] = states[:, -1]

    try:
        env_rate, raw_rate = best_rates((env_step, rollout_step), seconds, rounds, warmup=5)
        return env_rate, raw_rate
    finally:
        pool.close()
        env.close()


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", nargs="+", default=list(TASKS_MEASURED))
    parser.add_argument("--sizes", type=int, nargs="+", default=[64, 512])
    parser.add_argument("--device", default=suite_device(),
                        help="torch device of the env tensors (default: $GENELAB_TEST_DEVICE or cpu)")
    parser.add_argument("--seconds", type=float, default=3.0, help="time per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per size")
    args = parser.parse_args()
    torch.set_num_threads(1)  # the cores belong to MuJoCo's threads on both sides
    print(f"mujoco {mujoco.__version__}, {len(os.sched_getaffinity(0))} cores, "
          f"env on {args.device}")
    print(f"{'task':<24} {'N':>5} | {'env steps/s':>11} | {'rollout steps/s':>15} | ratio")
    for task_id in args.tasks:
        for n in args.sizes:
            env_rate, raw_rate = measure(task_id, n, args.device, args.seconds, args.rounds)
            print(f"{task_id:<24} {n:>5} | {env_rate * n:>11,.0f} | {raw_rate * n:>15,.0f} | "
                  f"{raw_rate / env_rate:.2f}x")


if __name__ == "__main__":
    main()
