"""Example-PendulumBalance-v0 is registered through its entry point, builds, and steps."""

from __future__ import annotations

import json
import subprocess
import sys

import torch
from genelab.envs import ManagerBasedRlEnv
from genelab.rl.play import random_policy
from genelab.testing import short_env_cfg
from genelab_example_tasks.pendulum_balance import FALL_ANGLE, make_task

TASK = "Example-PendulumBalance-v0"


def test_plugin_imports_no_torch() -> None:
    """Loading the plugin and calling its hook imports neither torch nor the task module."""
    code = (
        "import json, sys\n"
        "from genelab_example_tasks import plugin\n"
        "specs = plugin.genelab_tasks()\n"
        "print(json.dumps({'ids': [s.id for s in specs],\n"
        "                  'loaded': [m for m in ('torch', 'genelab_example_tasks.pendulum_balance')\n"
        "                             if m in sys.modules]}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout.splitlines()[-1])
    assert report == {"ids": [TASK], "loaded": []}, report


def test_task_is_listed_by_the_cli() -> None:
    out = subprocess.run([sys.executable, "-m", "genelab", "list", "tasks"], capture_output=True,
                         text=True)
    assert out.returncode == 0, out.stderr
    assert TASK in out.stdout and "genelab-example-tasks" not in out.stderr


def test_default_agent_is_the_cem_preset() -> None:
    task = make_task()
    assert task.id == TASK
    assert (task.agent, task.agent_distribution) == ("cem", "genelab-backend-cem")
    assert task.play_env.num_envs < task.env.num_envs


def test_task_builds_and_steps_with_random_actions() -> None:
    env = ManagerBasedRlEnv(short_env_cfg(TASK, num_envs=8, seed=0, horizon=None))
    try:
        obs, _ = env.reset()
        assert obs["policy"].shape == (8, 2) and env.action_dim == 1
        assert bool((obs["policy"][:, 0].abs() <= 0.3).all()), "episodes start near upright"
        policy = random_policy(env)
        ended = lengths = 0
        for _ in range(80):
            obs, reward, terminated, truncated, extras = env.step(policy(obs))
            assert reward.shape == (8,) and bool(torch.isfinite(reward).all())
            assert bool((obs["policy"][:, 0].abs() <= FALL_ANGLE).all()), "a fallen env was not reset"
            ended += int(terminated.sum())
            lengths += int(extras["episode_length"][terminated].sum())
        assert ended > 8, "random torques should drop the pendulum within a few dozen steps"
        assert lengths / ended < 0.5 * env.max_episode_length
    finally:
        env.close()
