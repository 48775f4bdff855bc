"""``--video-every``: when the training-clip bridge records and that it renders only then
(files end to end: tests/test_cli_seeds_video.py and the skrl / sb3 backend tests)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from genelab.errors import GenelabError
from genelab.rl.clips import clip_request
from genelab.rl.progress import IterationStats, TrainingProgress

imageio = pytest.importorskip("imageio.v2")
pytest.importorskip("imageio_ffmpeg")


class CountingEnv:
    """What the bridge uses of an env: step_dt, the episode length and a counted render."""

    step_dt = 0.02
    max_episode_length = 500

    def __init__(self) -> None:
        self.renders = 0
        self.steps = 0

    def render(self) -> np.ndarray:
        self.renders += 1
        return np.full((16, 16, 3), self.steps % 256, dtype=np.uint8)


def train(clips_every: int, length: int | None, iterations: int, steps: int, tmp_path,
          first_iteration: int = 0):
    """Drive the bridge like a backend: start, ``steps`` env steps per iteration, update."""
    env = CountingEnv()
    progress = TrainingProgress(stream=io.StringIO(), enabled=False)
    bridge = clip_request(clips_every, length).bridge(tmp_path, progress)
    bridge.on_build(env)
    renders = []  # render calls after each step
    progress.start(first_iteration, first_iteration + iterations)
    for iteration in range(first_iteration, first_iteration + iterations):
        for _ in range(steps):
            env.steps += 1
            bridge.post_step(env, None)
            renders.append(env.renders)
        progress.update(IterationStats(iteration, env.steps))
    bridge.close()
    return bridge, renders


def frames(path) -> int:
    return len(imageio.mimread(path, format="FFMPEG"))


def test_clips_start_at_the_first_iteration_and_after_every_nth(tmp_path) -> None:
    bridge, renders = train(2, 3, iterations=5, steps=4, tmp_path=tmp_path)
    videos = tmp_path / "videos"
    assert bridge.written == [videos / "iteration_0.mp4", videos / "iteration_2.mp4",
                              videos / "iteration_4.mp4"]
    # rendered only in the first 3 steps of iterations 0, 2 and 4; never outside them
    assert renders == [1, 2, 3, 3, 3, 3, 3, 3, 4, 5, 6, 6, 6, 6, 6, 6, 7, 8, 9, 9]
    assert [frames(path) for path in bridge.written] == [3, 3, 3]
    assert imageio.get_reader(bridge.written[0]).get_meta_data()["fps"] == pytest.approx(50)


def test_a_long_clip_is_not_restarted_and_is_cut_at_the_end(tmp_path) -> None:
    bridge, renders = train(1, 6, iterations=3, steps=4, tmp_path=tmp_path, first_iteration=7)
    # iteration 7's clip runs into iteration 8 (its arming is skipped), 9 is cut short
    assert [p.name for p in bridge.written] == ["iteration_7.mp4", "iteration_9.mp4"]
    assert renders == [1, 2, 3, 4, 5, 6, 6, 6, 7, 8, 9, 10]
    assert [frames(path) for path in bridge.written] == [6, 4]
    assert not bridge.recording


def test_default_length_is_one_episode_at_most(tmp_path) -> None:
    progress = TrainingProgress(stream=io.StringIO(), enabled=False)
    bridge = clip_request(3).bridge(tmp_path, progress)
    env = CountingEnv()
    env.max_episode_length = 50
    bridge.on_build(env)
    assert bridge.length == 50


@pytest.mark.parametrize(("every", "length", "message"), [
    (0, None, "--video-every must be at least 1"),
    (2, 0, "--video-length must be at least 1"),
    (None, 5, "--video-length needs --video-every"),
])
def test_bad_values_are_refused(every, length, message) -> None:
    with pytest.raises(GenelabError, match=message):
        clip_request(every, length)
    assert clip_request(None) is None


@pytest.mark.parametrize(("preset", "module", "extra"), [
    ("skrl_ppo", "genelab_backend_skrl", ()),
    ("sb3_ppo", "genelab_backend_sb3", ("--agent.ppo.batch_size=32",)),
])
def test_skrl_and_sb3_training_records_clips(tmp_path, preset, module, extra) -> None:
    pytest.importorskip(module)
    from genelab.overrides import parse_override_args
    from genelab.rl.dispatch import train_task

    result = train_task(
        "GeneLab-Cartpole-v0", preset=preset, num_envs=4, max_iterations=2,
        overrides=parse_override_args(["--agent.steps_per_iteration=8", *extra],
                                      ("env", "agent")),
        log_root=tmp_path, progress=TrainingProgress(stream=io.StringIO()), video_every=1,
        video_length=3)
    videos = result.run_dir / "videos"
    assert sorted(p.name for p in videos.iterdir()) == ["iteration_0.mp4", "iteration_1.mp4"]
    assert [frames(p) for p in sorted(videos.iterdir())] == [3, 3]
