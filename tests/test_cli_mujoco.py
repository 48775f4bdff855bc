"""MuJoCo tasks end to end through the real CLI: every backend's presets train, videos
render offscreen, missing GL is one line, and HalfCheetah learns with the default preset."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

SMALL = ("--env.num_envs", "4")


@pytest.mark.parametrize("task_id", ["GeneLab-HalfCheetah-v0", "GeneLab-Hopper-v0",
                                     "GeneLab-Ant-v0"])
def test_each_task_trains_with_its_default_preset_and_plays_back(genelab, tmp_path, task_id):
    trained = genelab("train", task_id, *SMALL, "--agent.max_iterations", "2",
                      "--agent.steps_per_iteration", "8")
    assert trained.returncode == 0, trained.stderr[-3000:]
    [run] = list((tmp_path / "logs" / "rsl_rl").glob("*/*"))
    assert (run / "model_1.pt").is_file() and list(run.glob("events.out.tfevents.*"))
    played = genelab("play", task_id, "--agent", "trained", "--checkpoint", str(run),
                     "--steps", "20")
    assert played.returncode == 0, played.stderr[-3000:]


@pytest.mark.parametrize("preset", ["skrl_ppo", "skrl_sac", "sb3_ppo", "sb3_sac"])
def test_skrl_and_sb3_presets_train_a_mujoco_task(genelab, tmp_path, preset):
    off_policy = ("--agent.sac.learning_starts", "16") if preset.endswith("sac") else ()
    result = genelab("train", "GeneLab-Hopper-v0", "--preset", preset, "--env.num_envs", "16",
                     "--agent.max_iterations", "6", *off_policy)
    assert result.returncode == 0, result.stderr[-3000:]
    backend = preset.split("_")[0]
    assert list((tmp_path / "logs" / backend).glob("*/*/params/agent.json"))


def test_video_is_rendered_offscreen(genelab, tmp_path):
    result = genelab("play", "GeneLab-Ant-v0", "--agent", "random", "--steps", "6",
                     "--video", "ant.gif")
    assert result.returncode == 0, result.stderr[-3000:]
    video = Path(tmp_path / "ant.gif").read_bytes()
    assert video.startswith(b"GIF8") and len(video) > 10_000  # frames of a lit scene


@pytest.mark.parametrize("gl", ["osmesa", "glfw"])
def test_without_a_usable_gl_backend_the_error_is_one_line(genelab, assert_one_line_error,
                                                           tmp_path, gl):
    result = genelab("play", "GeneLab-HalfCheetah-v0", "--agent", "random", "--steps", "3",
                     "--video", "clip.gif", env={"MUJOCO_GL": gl})
    assert_one_line_error(result, f"MUJOCO_GL={gl}", "apt-get install libegl1")
    assert not (tmp_path / "clip.gif").exists()


@pytest.mark.learning
def test_half_cheetah_learns_with_the_default_preset(genelab, tmp_path):
    """Random actions score about -280 over an episode; 100 PPO iterations (64 envs x 32
    steps, about 200k env steps, well under a minute here) must run clearly forward:
    rsl_rl's mean over the last 100 episodes, last updated at iteration 93."""
    result = genelab("train", "GeneLab-HalfCheetah-v0", "--agent.max_iterations", "100",
                     "--seed", "1", timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    match = re.search(r"mean reward (-?[\d.,]+)", result.stdout.splitlines()[-2])
    assert match, result.stdout[-2000:]
    mean_return = float(match.group(1).replace(",", ""))
    assert mean_return > 800.0, result.stdout[-2000:]
