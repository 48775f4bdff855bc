"""The built-in tasks: registered by core's plugin, build, step, goal reward."""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch
from genelab.configs import TaskCfg
from genelab.envs import ManagerBasedRlEnv
from genelab.registry import TASKS
from genelab.rl.play import random_policy
from genelab.testing import suite_device

DEVICE = suite_device()

BUILTIN = ("GeneLab-Cartpole-v0", "GeneLab-Pendulum-v0", "GeneLab-Reach-v0")


@pytest.mark.parametrize("task_id", BUILTIN)
def test_builtin_task_builds_and_steps_with_random_actions(task_id):
    task = TASKS.get(task_id)
    assert isinstance(task, TaskCfg) and task.play_env.num_envs == 4
    assert task.agent in task.presets  # its default preset comes from an installed backend
    task.env.num_envs, task.env.seed = 8, 0
    env = ManagerBasedRlEnv(task.env, device=DEVICE)
    policy = random_policy(env)
    obs, _ = env.reset()
    for _ in range(env.max_episode_length + 1):  # crosses at least one time limit
        action = policy(obs)
        assert env.single_action_space.contains(action[0].cpu().numpy())
        obs, reward, terminated, truncated, extras = env.step(action)
        for group, dim in env.observation_dims.items():
            assert obs[group].shape == (8, dim) and torch.isfinite(obs[group]).all()
        assert reward.shape == (8,) and torch.isfinite(reward).all()
    frame = env.render()
    assert frame.shape == (240, 320, 3) and frame.dtype.name == "uint8" and frame.std() > 0


def test_task_limits_match_the_brief():
    lengths = {}
    for task_id in BUILTIN:
        env = ManagerBasedRlEnv(TASKS.get(task_id).play_env, device=DEVICE)
        lengths[task_id] = env.max_episode_length
    assert lengths == {"GeneLab-Cartpole-v0": 250, "GeneLab-Pendulum-v0": 200,
                       "GeneLab-Reach-v0": 50}


def test_reach_compute_reward_and_success_agree_with_step_reward():
    cfg = TASKS.get("GeneLab-Reach-v0").env
    cfg.num_envs, cfg.seed, cfg.goal_reward.params["threshold"] = 64, 1, 0.4
    cfg.goal_success.params["threshold"] = 0.4
    env = ManagerBasedRlEnv(cfg, device=DEVICE)
    assert env.is_goal_task
    assert set(env.observation_dims) == {"policy", "achieved_goal", "desired_goal"}
    obs, _ = env.reset()
    seen = set()
    for _ in range(60):
        toward_goal = (obs["desired_goal"] - obs["achieved_goal"]).clamp(-1, 1)
        obs, reward, _, _, extras = env.step(toward_goal)
        final = extras["final_obs"]
        expected = env.compute_reward(final["achieved_goal"], final["desired_goal"], None)
        assert torch.equal(reward, expected)
        assert torch.equal(extras["success"], reward == 0.0)
        seen.update(reward.tolist())
    assert seen == {0.0, -1.0}
    batch = env.compute_reward(final["achieved_goal"].cpu().numpy(),
                               final["desired_goal"].cpu().numpy())
    assert torch.equal(batch, expected)


def test_plugin_module_imports_no_torch():
    code = ("import sys, genelab.tasks.plugin as p; specs = p.genelab_tasks(); "
            "assert 'torch' not in sys.modules, 'torch imported'; "
            "print(sorted(s.id for s in specs))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str(sorted(BUILTIN))


def test_builtin_tasks_name_no_backend_module():
    from pathlib import Path

    import genelab.tasks

    for source in Path(genelab.tasks.__file__).parent.glob("*.py"):
        assert "genelab_backend" not in source.read_text(), source.name
