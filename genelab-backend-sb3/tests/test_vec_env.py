"""GenelabSb3VecEnv against a twin env stepped directly: SB3's VecEnv contract."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from genelab.envs import ManagerBasedRlEnv
from genelab_backend_sb3.vec_env import GenelabSb3VecEnv
from gymnasium import spaces
from torch.overrides import TorchFunctionMode

REACH = "GeneLab-Reach-v0"


class CountHostCopies(TorchFunctionMode):
    """Counts ``Tensor.cpu`` / ``Tensor.numpy`` / ``Tensor.tolist`` / ``Tensor.item`` calls."""

    NAMES = ("cpu", "numpy", "tolist", "item")

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[str] = []

    def __torch_function__(self, func, types, args=(), kwargs=None):
        name = getattr(func, "__name__", "")
        if name in self.NAMES:
            self.calls.append(name)
        return func(*args, **(kwargs or {}))


def twins(short_env, task_id="GeneLab-Cartpole-v0", configure=None, **kwargs):
    """Two identically seeded envs: one behind the adapter, one stepped directly."""
    envs = []
    for _ in range(2):
        cfg = short_env(task_id, **kwargs)
        if configure is not None:
            configure(cfg)
        envs.append(ManagerBasedRlEnv(cfg, device="cpu"))
    return envs


def wide_goals(cfg) -> None:
    """Reach counts as success within 0.5 (so a few steps toward the goal reach some)."""
    cfg.goal_reward.params["threshold"] = cfg.goal_success.params["threshold"] = 0.5


def test_cartpole_episodes_end_with_true_terminal_observations(short_env) -> None:
    # strong pushes make some poles fall (terminated) before the 10-step limit (truncated)
    wrapped, twin = twins(short_env, num_envs=16, horizon=10, seed=3)
    venv = GenelabSb3VecEnv(wrapped)
    assert venv.num_envs == 16 and not venv.goal_task
    assert venv.observation_space.shape == (twin.observation_dims["policy"],)
    assert venv.action_space.shape == (twin.action_dim,)
    obs = venv.reset()
    expected_obs, _ = twin.reset()
    np.testing.assert_array_equal(obs, expected_obs["policy"].numpy())
    generator = torch.Generator().manual_seed(0)
    returns = np.zeros(16)
    ends = {"terminated": 0, "truncated": 0}
    for _ in range(25):
        action = 3 * torch.randn(16, twin.action_dim, generator=generator)
        venv.step_async(action.numpy())
        obs, rewards, dones, infos = venv.step_wait()
        expected, reward, terminated, truncated, extras = twin.step(action)
        assert rewards.dtype == np.float32 and dones.dtype == bool and len(infos) == 16
        np.testing.assert_array_equal(obs, expected["policy"].numpy())  # post-reset
        np.testing.assert_array_equal(rewards, reward.numpy())
        np.testing.assert_array_equal(dones, (terminated | truncated).numpy())
        returns += rewards
        for i, info in enumerate(infos):
            if not dones[i]:
                assert info == {}  # only finished envs are processed
                continue
            final = extras["final_obs"]["policy"][i].numpy()
            np.testing.assert_array_equal(info["terminal_observation"], final)
            assert not np.array_equal(info["terminal_observation"], obs[i])
            assert info["TimeLimit.truncated"] == bool(truncated[i] and not terminated[i])
            ends["terminated" if terminated[i] else "truncated"] += 1
            assert info["episode"]["l"] == int(extras["episode_length"][i])
            assert info["episode"]["r"] == pytest.approx(returns[i], rel=1e-5)
            returns[i] = 0.0
            assert "is_success" not in info
    assert ends["terminated"] > 0 and ends["truncated"] > 0


def test_one_host_copy_per_step(short_env) -> None:
    """The adapter adds exactly one ``.cpu().numpy()`` to what the env itself does (the env
    summarises finished episodes on the host when some end)."""
    for task_id in ("GeneLab-Cartpole-v0", REACH):
        wrapped, twin = twins(short_env, task_id, horizon=2)
        venv = GenelabSb3VecEnv(wrapped)
        venv.reset()
        twin.reset()
        actions = np.zeros((twin.num_envs, twin.action_dim), dtype=np.float32)
        for _ in range(2):  # the second step ends every episode
            with CountHostCopies() as direct:
                twin.step(torch.as_tensor(actions))
            venv.step_async(actions)
            with CountHostCopies() as adapted:
                *_, infos = venv.step_wait()
            assert sorted(adapted.calls) == sorted([*direct.calls, "cpu", "numpy"]), task_id
        assert all("terminal_observation" in info for info in infos)


def test_goal_task_gives_goal_dicts_success_and_batched_rewards(short_env) -> None:
    wrapped, twin = twins(short_env, REACH, configure=wide_goals, horizon=5, seed=2)
    venv = GenelabSb3VecEnv(wrapped)
    assert venv.goal_task
    assert isinstance(venv.observation_space, spaces.Dict)
    assert set(venv.observation_space.spaces) == {"observation", "achieved_goal", "desired_goal"}
    obs = venv.reset()
    twin.reset()
    assert set(obs) == {"observation", "achieved_goal", "desired_goal"}
    for _ in range(5):
        direct = twin.obs_buf
        toward = (direct["desired_goal"] - direct["achieved_goal"]).clamp(-1, 1)
        venv.step_async(toward.numpy())
        obs, rewards, dones, infos = venv.step_wait()
        _, reward, _, _, extras = twin.step(toward)
    assert dones.all()  # the 5-step limit
    final = extras["final_obs"]
    for i, info in enumerate(infos):
        terminal = info["terminal_observation"]
        np.testing.assert_array_equal(terminal["achieved_goal"], final["achieved_goal"][i])
        np.testing.assert_array_equal(terminal["desired_goal"], final["desired_goal"][i])
        np.testing.assert_array_equal(terminal["observation"], final["policy"][i])
        assert info["is_success"] == bool(extras["success"][i])
    successes = [info["is_success"] for info in infos]
    assert any(successes) and not all(successes)
    # HER's call: one batched compute_reward for a whole sample, answered as one element
    achieved = np.stack([info["terminal_observation"]["achieved_goal"] for info in infos])
    desired = np.stack([info["terminal_observation"]["desired_goal"] for info in infos])
    answer = venv.env_method("compute_reward", achieved, desired, [{}] * len(infos),
                             indices=[0])
    assert len(answer) == 1 and isinstance(answer[0], np.ndarray)
    np.testing.assert_array_equal(answer[0], reward.numpy())


def test_attributes_methods_and_seeding(short_env) -> None:
    env = ManagerBasedRlEnv(short_env(num_envs=4), device="cpu")
    venv = GenelabSb3VecEnv(env)
    assert venv.render_mode == "rgb_array"
    assert venv.get_attr("max_episode_length") == [env.max_episode_length] * 4
    assert venv.get_attr("num_envs", indices=[1, 2]) == [4, 4]
    assert venv.env_is_wrapped(object) == [False] * 4
    venv.seed(11)
    first = venv.reset()
    venv.seed(11)
    np.testing.assert_array_equal(venv.reset(), first)  # SB3's seed reaches the env
    frames = venv.get_images()
    assert len(frames) == 4 and frames[0].ndim == 3
