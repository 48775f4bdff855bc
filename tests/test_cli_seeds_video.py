"""``genelab train --seeds`` (one run per seed, a summary) and ``--video-every`` (clips during
training) end to end through the real CLI."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

TASK = "GeneLab-Cartpole-v0"
SMALL = ("--max-iterations", "2", "--num-envs", "8", "--agent.steps_per_iteration=16")


def parents(root: Path) -> list[Path]:
    return sorted((root / "logs" / "rsl_rl").glob("*/*_seeds"))


def test_seeds_train_one_run_each_in_parallel_with_clips(genelab, tmp_path) -> None:
    imageio = pytest.importorskip("imageio.v2")
    result = genelab("train", TASK, "--seeds", "1,2", "--parallel", "2", *SMALL,
                     "--video-every", "1", "--video-length", "5")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    (parent,) = parents(tmp_path)
    runs = sorted(parent.glob("seed_*/"))
    assert [run.name for run in runs] == ["seed_1", "seed_2"]
    infos = [json.loads((run / "params" / "run.json").read_text()) for run in runs]
    assert [info["seed"] for info in infos] == [1, 2]
    assert all(info["status"] == "complete" and "--seeds 1,2" in info["launched_by"]
               for info in infos)
    rewards = [info["result"]["mean_reward"] for info in infos]
    for seed, reward in zip((1, 2), rewards, strict=True):
        assert f"seed {seed}: complete, 2 iterations, final mean return {reward:.2f}" \
            in result.stdout
    table = result.stdout.split("final return\n")[1].splitlines()
    assert table[0].split() == ["1", "complete", "2", f"{rewards[0]:.2f}"]
    assert table[1].split() == ["2", "complete", "2", f"{rewards[1]:.2f}"]
    assert f"final return over 2 complete seed(s): mean {sum(rewards) / 2:.2f}" in table[2]
    summary = json.loads((parent / "seeds.json").read_text())
    assert summary["final_return"]["min"] == min(rewards)
    assert (parent / "seed_1.log").read_text().count("done: 2 iterations") == 1
    played = genelab("play", TASK, "--agent", "trained", "--run", "seed_1", "--steps", "3")
    assert played.returncode == 0, played.stderr
    evaluated = genelab("eval", TASK, "latest", "--episodes", "8")  # the newest: seed 2
    assert evaluated.returncode == 0, evaluated.stderr
    assert list(runs[1].glob("eval_*.json")) and not list(runs[0].glob("eval_*.json"))
    for run in runs:  # a clip at the start and after iteration 0 (after 1 no steps are left)
        clips = sorted(p.name for p in (run / "videos").iterdir())
        assert clips == ["iteration_0.mp4", "iteration_1.mp4"]
        assert len(imageio.mimread(run / "videos" / "iteration_1.mp4", format="FFMPEG")) == 5


def test_video_every_reaches_a_multi_process_run(genelab, tmp_path) -> None:
    # the clips land in the one run directory (rank 0 alone records: train_task)
    imageio = pytest.importorskip("imageio.v2")
    result = genelab("train", TASK, "--gpus", "2", *SMALL, "--video-every", "1",
                     "--video-length", "5")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    (run,) = (p for p in (tmp_path / "logs" / "rsl_rl").glob("*/*") if p.is_dir())
    assert sorted(p.name for p in (run / "videos").iterdir()) == ["iteration_0.mp4",
                                                                  "iteration_1.mp4"]
    assert len(imageio.mimread(run / "videos" / "iteration_0.mp4", format="FFMPEG")) == 5


def test_a_seed_that_dies_fails_the_command_and_is_named(tmp_path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "genelab", "train", TASK, "--seeds", "3,4", "--parallel", "2",
         *SMALL], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    info = None
    deadline = time.monotonic() + 300
    while info is None and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.1)
        found = list(tmp_path.glob("logs/rsl_rl/*/*_seeds/seed_3/params/run.json"))
        info = json.loads(found[0].read_text()) if found else None
    assert info is not None, process.communicate()
    os.kill(info["pid"], signal.SIGKILL)  # seed 3's child, as an out-of-memory kill would
    stdout, stderr = process.communicate(timeout=300)
    assert process.returncode != 0
    (parent,) = parents(tmp_path)
    log = parent.relative_to(tmp_path) / "seed_3.log"
    assert f"seed 3: failed (killed by SIGKILL); output: {log}" in stdout
    assert "seed 4: complete, 2 iterations" in stdout
    assert "\n     3  failed" in stdout
    assert stderr.strip() == f"error: seed(s) 3 did not complete; their output: {log}"


def test_ctrl_c_stops_every_seed_at_an_iteration_end(tmp_path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "genelab", "train", TASK, "--seeds", "5,6,7", "--parallel", "2",
         "--num-envs", "8", "--max-iterations", "100000", "--agent.steps_per_iteration=8",
         "--agent.save_interval=100000"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and len(list(
            tmp_path.glob("logs/rsl_rl/*/*_seeds/seed_*/events.*"))) < 2:
        time.sleep(0.2)
    time.sleep(2)  # a few iterations
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stdout + stderr
    assert "seed 5: interrupted" in stdout and "seed 6: interrupted" in stdout
    assert "Traceback" not in stderr
    (parent,) = parents(tmp_path)
    assert sorted(p.name for p in parent.glob("seed_*/")) == ["seed_5", "seed_6"]  # 7: not run
    for seed in (5, 6):  # each saved the iteration it stopped at
        assert list((parent / f"seed_{seed}").glob("model_*.pt"))


@pytest.mark.parametrize(("args", "message"), [
    (("--seeds", "1,x"), "--seeds must be a comma list of integers"),
    (("--seeds", ","), "--seeds must be a comma list of integers"),
    (("--seeds", "1,2,1"), "--seeds lists 1 more than once"),
    (("--seeds", "1,-2"), "bad value --seed -2: must be >= 0"),
    (("--seeds", "1,2", "--seed", "3"), "--seeds gives each run its seed: drop --seed"),
    (("--seeds", "1,2", "--resume"), "--seeds starts fresh runs: drop --resume"),
    (("--seeds", "1,2", "--parallel", "0"), "--parallel must be at least 1"),
    (("--seeds", "1,2", "--env.sim.ddt", "0.1"), "unknown override key"),
    (("--seeds", "1,2", "--gpus", "1", "--preset", "sb3_ppo"),
     "the sb3 backend trains in one process"),
    (("--parallel", "2",), "--parallel needs --seeds"),
    (("--video-every", "0",), "--video-every must be at least 1"),
])
def test_bad_seeds_and_video_flags_fail_in_one_line(genelab, assert_one_line_error, tmp_path,
                                                    args, message) -> None:
    assert_one_line_error(genelab("train", TASK, *args), message)
    assert not (tmp_path / "logs").exists()
