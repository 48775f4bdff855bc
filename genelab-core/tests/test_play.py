"""Core's play loop: headless limits, bridges, video, viewer errors."""

from __future__ import annotations

import importlib.util

import pytest
import torch
from genelab.envs import Bridge, ManagerBasedRlEnv
from genelab.errors import GenelabError
from genelab.registry import TASKS
from genelab.rl.play import play_loop, random_policy, zero_policy
from genelab.testing import suite_device

DEVICE = suite_device()


@pytest.fixture
def env():
    cfg = TASKS.get("GeneLab-Cartpole-v0").play_env
    cfg.seed = 0
    env = ManagerBasedRlEnv(cfg, device=DEVICE)
    yield env
    env.close()


class CountingBridge(Bridge):
    def __init__(self, fail_after: int | None = None) -> None:
        self.steps = 0
        self.closed = 0
        self.fail_after = fail_after

    def pre_step(self, env, action):
        if self.fail_after is not None and self.steps >= self.fail_after:
            raise RuntimeError("bridge failed")

    def post_step(self, env, result):
        self.steps += 1

    def close(self):
        self.closed += 1


@pytest.mark.parametrize("make_policy", [zero_policy, random_policy])
def test_headless_play_stops_at_steps_and_max_steps_wins(env, make_policy):
    bridge = CountingBridge()
    assert play_loop(env, make_policy(env), steps=7, bridges=[bridge]) == 7
    assert (bridge.steps, bridge.closed) == (7, 1)
    assert play_loop(env, make_policy(env), steps=7, max_steps=3) == 3
    assert play_loop(env, make_policy(env), steps=0) == 0


def test_policies_respect_action_bounds(env):
    obs, _ = env.reset()
    assert torch.equal(zero_policy(env)(obs), torch.zeros(4, 1, device=env.device))
    actions = torch.cat([random_policy(env)(obs) for _ in range(50)])
    assert actions.min() >= -1.0 and actions.max() <= 1.0 and actions.std() > 0.3


def test_policy_runs_under_inference_mode(env):
    modes = []

    def policy(obs):
        modes.append(torch.is_inference_mode_enabled())
        return torch.zeros(4, 1)

    play_loop(env, policy, steps=2)
    assert modes == [True, True]


def test_bridges_close_when_a_step_raises(env):
    bridge = CountingBridge(fail_after=2)
    with pytest.raises(RuntimeError, match="bridge failed"):
        play_loop(env, zero_policy(env), steps=10, bridges=[bridge])
    assert (bridge.steps, bridge.closed) == (2, 1)
    assert env.bridges == []


@pytest.mark.parametrize("suffix", [".gif", ".mp4"])
def test_video_is_written(env, tmp_path, suffix):
    if suffix == ".mp4" and importlib.util.find_spec("imageio_ffmpeg") is None:
        pytest.skip("imageio-ffmpeg is not installed")
    import imageio.v2 as imageio

    path = tmp_path / "videos" / f"cartpole{suffix}"
    assert play_loop(env, random_policy(env), steps=12, video=path) == 12
    frames = imageio.mimread(path)
    assert len(frames) == 13  # the reset frame plus one per step
    assert frames[0].shape[:2] == (240, 320)


def test_video_errors_are_clear(env, tmp_path, monkeypatch):
    with pytest.raises(GenelabError, match=r"\.mp4 or \.gif"):
        play_loop(env, zero_policy(env), steps=1, video=tmp_path / "clip.avi")
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "PIL" else real_find_spec(name, *a))
    with pytest.raises(GenelabError, match=r"genelab-core\[video\]"):
        play_loop(env, zero_policy(env), steps=1, video=tmp_path / "clip.gif")
    assert not (tmp_path / "clip.gif").exists()


def test_vis_without_display_suggests_headless_or_video(env, monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr("sys.platform", "linux")
    with pytest.raises(GenelabError, match="--headless.*--video"):
        play_loop(env, zero_policy(env), vis=True)
    assert env.bridges == []
