"""Wall time to a mean return of 1,500 on HalfCheetah: ``genelab train`` beside SB3 PPO.

Run: ``python benchmarks/bench_half_cheetah.py [--target 1500] [--limit 300]``.
GeneLab: ``genelab train GeneLab-HalfCheetah-v0`` with its default preset (rsl_rl PPO),
timed from the command's start to the first progress line whose mean return (rsl_rl's
mean over the last 100 finished episodes) reaches the target. SB3: PPO with rl-zoo's
HalfCheetah hyperparameters on gymnasium's HalfCheetah-v5 (one env, VecNormalize), timed
from its process's start to the first rollout after which the mean return of the last
10 finished episodes reaches the target. Both run here, one after the other, on the
same cores; a side that does not get there within ``--limit`` seconds is reported so.
Target: GeneLab at least 2x faster.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time

PROGRESS = re.compile(r"^it (\d+)/\d+ .*\| reward (-?[\d,.]+) ")


def genelab_time(target: float, limit: float) -> tuple[float | None, str]:
    """Seconds until ``genelab train`` reports ``target``, and the last progress line."""
    command = [sys.executable, "-m", "genelab", "train", "GeneLab-HalfCheetah-v0",
               "--agent.max_iterations", "2000", "--seed", "0"]
    start, last = time.perf_counter(), ""
    with tempfile.TemporaryDirectory() as work, subprocess.Popen(
            command, cwd=work, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            bufsize=1) as process:
        try:
            for line in process.stdout:
                elapsed = time.perf_counter() - start
                match = PROGRESS.match(line.strip())
                if match:
                    last = line.strip()
                    if float(match.group(2).replace(",", "")) >= target:
                        return elapsed, last
                if elapsed > limit:
                    break
            return None, last
        finally:
            process.terminate()


SB3 = """
import sys, time
start = time.perf_counter()
import gymnasium as gym, torch
from stable_baselines3 import PPO
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.vec_env import VecNormalize
target, limit = float(sys.argv[1]), float(sys.argv[2])
class StopAtTarget(BaseCallback):
    reached = None
    def _on_step(self):
        return self.reached is None and time.perf_counter() - start < limit
    def _on_rollout_end(self):
        episodes = [info["r"] for info in list(self.model.ep_info_buffer)[-10:]]
        if len(episodes) == 10 and sum(episodes) / 10 >= target:
            self.reached = (sum(episodes) / 10, self.num_timesteps)
env = VecNormalize(make_vec_env("HalfCheetah-v5", n_envs=1, seed=0), gamma=0.98)
model = PPO("MlpPolicy", env, n_steps=512, batch_size=64, gamma=0.98, learning_rate=2.0633e-05,
            ent_coef=0.000401762, clip_range=0.1, n_epochs=20, gae_lambda=0.92,
            max_grad_norm=0.8, vf_coef=0.58096, seed=0, device="cpu",
            policy_kwargs=dict(log_std_init=-2, ortho_init=False, activation_fn=torch.nn.ReLU,
                               net_arch=dict(pi=[256, 256], vf=[256, 256])))
stop = StopAtTarget()
model.learn(10_000_000, callback=stop)
if stop.reached is None:
    print(f"not reached after {model.num_timesteps} steps", flush=True)
else:
    print(f"reached {stop.reached[0]:.0f} after {stop.reached[1]} steps", flush=True)
"""


def sb3_time(target: float, limit: float) -> tuple[float | None, str]:
    """Seconds until SB3 PPO (rl-zoo hyperparameters) reaches ``target``."""
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as work:
        result = subprocess.run([sys.executable, "-c", SB3, str(target), str(limit)], cwd=work,
                                capture_output=True, text=True, timeout=limit + 120)
    elapsed = time.perf_counter() - start
    line = (result.stdout.strip().splitlines() or [result.stderr.strip()[-300:]])[-1]
    return (elapsed if line.startswith("reached") else None), line


def main() -> None:
    """Print both times and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", type=float, default=1500.0)
    parser.add_argument("--limit", type=float, default=300.0, help="seconds per side")
    args = parser.parse_args()
    rows = [("genelab train (rsl_rl PPO, default preset)", *genelab_time(args.target, args.limit)),
            ("SB3 PPO, rl-zoo hyperparameters, gymnasium", *sb3_time(args.target, args.limit))]
    for name, seconds, detail in rows:
        shown = f"{seconds:6.1f} s" if seconds is not None else f"> {args.limit:.0f} s"
        print(f"{name:<44} {shown}   ({detail})")
    genelab, sb3 = rows[0][1], rows[1][1]
    if genelab is not None and sb3 is not None:
        print(f"SB3 time / GeneLab time: {sb3 / genelab:.2f}x (target >= 2)")


if __name__ == "__main__":
    main()
