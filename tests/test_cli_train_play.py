"""End to end through the real CLI: train, resume, play, eval, Ctrl-C, and user errors."""

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
SMALL = ("--num-envs", "8", "--max-iterations", "3", "--agent.steps_per_iteration=8",
         "--agent.save_interval=1")


def runs(root: Path) -> list[Path]:
    return sorted(p for p in (root / "logs" / "rsl_rl").glob("*/*") if p.is_dir())


def iterations(run: Path) -> list[int]:
    return sorted(int(p.stem.split("_")[1]) for p in run.rglob("model_*.pt"))


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """One short training run shared by the tests that need a checkpoint."""
    root = tmp_path_factory.mktemp("trained")
    result = subprocess.run(
        [sys.executable, "-m", "genelab", "train", TASK, *SMALL, "--seed", "7",
         "--env.sim.dt", "0.005"],
        cwd=root, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return root, result


def test_train_writes_params_checkpoints_and_events(trained):
    root, result = trained
    [run] = runs(root)
    env = json.loads((run / "params" / "env.json").read_text())
    agent = json.loads((run / "params" / "agent.json").read_text())
    info = json.loads((run / "params" / "run.json").read_text())
    assert env["num_envs"] == 8 and env["sim"]["dt"] == 0.005
    assert agent["max_iterations"] == 3 and agent["seed"] == 7
    assert info["seed"] == 7 and info["task"] == TASK and "--env.sim.dt" in info["argv"]
    assert {"genelab-core", "genelab-backend-rslrl", "rsl-rl-lib", "torch"} <= set(info["versions"])
    assert iterations(run)[-1] >= 2
    assert list(run.rglob("events.out.tfevents.*"))
    assert f"run: {run.relative_to(root)}" in result.stdout or str(run) in result.stdout
    assert "play it: genelab play" in result.stdout
    table = result.stdout.split("where the training time went")[1].splitlines()
    rows = {line[:18].strip(): float(line[18:].split()[0]) for line in table[1:7]}
    assert list(rows) == ["env stepping", "acting", "learning update", "checkpoints", "logging",
                          "other"]
    timings = info["result"]["timings"]  # the same figures, in run.json
    assert rows["env stepping"] == pytest.approx(timings["env"], abs=0.006) and timings["env"] > 0
    assert sum(rows.values()) == pytest.approx(timings["training"], abs=0.05)
    assert info["result"]["iterations"] == 3 and info["result"]["env_steps"] == 3 * 8 * 8


def test_resume_continues_iteration_numbers(trained, genelab):
    root, _ = trained
    [first] = runs(root)
    result = genelab("train", TASK, *SMALL, "--resume", cwd=root)
    assert result.returncode == 0, result.stderr[-3000:]
    second = [r for r in runs(root) if r != first][0]
    assert min(iterations(second)) > 0
    assert max(iterations(second)) >= max(iterations(first)) + 2
    run_info = json.loads((second / "params" / "run.json").read_text())
    assert run_info["resumed_from"].endswith(f"model_{max(iterations(first))}.pt")


def test_resume_from_a_mismatched_checkpoint_leaves_no_run(trained, genelab, assert_one_line_error,
                                                           tmp_path):
    root, _ = trained
    checkpoint = max(runs(root)[0].rglob("model_*.pt"), key=lambda p: int(p.stem.split("_")[1]))
    before = runs(root)
    pendulum = ("train", "GeneLab-Pendulum-v0", "--preset", "rsl_rl_ppo", "--max-iterations", "1")
    result = genelab(*pendulum, "--checkpoint", str(checkpoint), cwd=root)
    assert_one_line_error(result, "trained GeneLab-Cartpole-v0, not GeneLab-Pendulum-v0")
    # outside its run the checkpoint carries no task: its observation layout is checked
    loose = tmp_path / "copied" / checkpoint.name
    loose.parent.mkdir()
    loose.write_bytes(checkpoint.read_bytes())
    result = genelab(*pendulum, "--checkpoint", str(loose), cwd=root)
    assert_one_line_error(result, "expects 4 policy observations but GeneLab-Pendulum-v0 gives 3")
    assert "lies outside any run directory" in result.stdout
    assert runs(root) == before


def test_play_trained_zero_and_random_stop_at_steps(trained, genelab):
    root, _ = trained
    for agent in ("trained", "zero", "random"):
        result = genelab("play", TASK, "--agent", agent, "--steps", "12", cwd=root)
        assert result.returncode == 0, result.stderr[-3000:]
        assert "played 12 steps" in result.stdout
    capped = genelab("play", TASK, "--steps", "50", "--max-steps", "5", cwd=root)
    assert "played 5 steps" in capped.stdout


def test_eval_writes_metrics(trained, genelab):
    root, _ = trained
    [run] = runs(root)[:1]
    out = root / "eval.json"
    seen = []
    for _ in range(2):  # no --seed: seeded by default, so the two agree exactly
        result = genelab("eval", TASK, str(run), "--num-envs", "6", "--output", str(out),
                         cwd=root)
        assert result.returncode == 0, result.stderr[-3000:]
        seen.append(json.loads(out.read_text(), parse_constant=pytest.fail))  # strict JSON
    metrics = seen[0]
    assert seen[1] == metrics
    assert metrics["episodes"] == 100 and metrics["num_envs"] == 6  # 17, 17, 17, 17, 16, 16
    assert metrics["seed"] == 1_000_003 and metrics["deterministic"] is True
    assert 0 < metrics["length_mean"] <= 1000 and metrics["return_ci95"] > 0
    line = f"return {metrics['return_mean']:.3f} ± {metrics['return_ci95']:.3f} (95% t)"
    assert result.stdout.startswith(line), result.stdout


@pytest.mark.parametrize("fmt", ["onnx", "torchscript"])
def test_export_reproduces_the_trained_policy(trained, genelab, tmp_path, fmt):
    import onnxruntime
    import torch
    from genelab.rl.dispatch import prepare_playback

    root, _ = trained
    [run] = runs(root)[:1]
    result = genelab("export", TASK, str(run), "--format", fmt, cwd=root)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stderr.splitlines() == [  # the exporter's chatter stays off the console
        "note: env.num_envs: 8 (trained) -> 4 (the task's play env)"]
    [out] = run.glob(f"policy_model_*{'.onnx' if fmt == 'onnx' else '.pt'}")
    meta = json.loads(Path(f"{out}.json").read_text())
    assert meta["inputs"] == [{"name": "policy", "size": 4,
                               "terms": [{"name": "joint_state", "size": 4}]}]
    assert (meta["format"], meta["backend"], meta["algorithm"]) == (fmt, "rsl_rl", "PPO")
    assert meta["action_size"] == 1 and meta["action_low"] == [-1.0] and meta["actions_clipped"]
    assert {"genelab-core", "genelab-backend-rslrl", "rsl-rl-lib", "torch"} <= set(meta["versions"])
    if fmt == "onnx":
        session = onnxruntime.InferenceSession(str(out), providers=["CPUExecutionProvider"])
        exported = lambda x: torch.from_numpy(session.run(None, {"policy": x.numpy()})[0])  # noqa: E731
    else:
        exported = torch.jit.load(str(out))
    loaded = prepare_playback(TASK, kind="trained", checkpoint=str(run), log_root=root / "logs",
                              device="cpu")
    try:
        for scale in (1.0, 1e3):  # far out, the raw policy leaves [-1, 1]; the file does not
            obs = {"policy": scale * torch.randn(32, 4, generator=torch.Generator().manual_seed(0))}
            expected = loaded.policy(obs).clamp(-1.0, 1.0)
            assert torch.allclose(exported(obs["policy"]), expected, atol=1e-5)
            assert torch.allclose(exported(obs["policy"][:1]), expected[:1], atol=1e-5)
        assert loaded.policy(obs).abs().max() > 1.0
    finally:
        loaded.env.close()


def test_vis_without_display_suggests_headless(genelab, assert_one_line_error):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    result = subprocess.run([sys.executable, "-m", "genelab", "play", TASK, "--vis"],
                            env=env, capture_output=True, text=True, timeout=300)
    assert_one_line_error(result, "--headless")


def test_info_lists_overridable_paths(genelab):
    result = genelab("info", TASK)
    assert result.returncode == 0, result.stderr
    assert "--env.sim.dt" in result.stdout and "--agent.max_iterations" in result.stdout
    assert "--env.sim.dt  [float; > 0; finite]" in result.stdout  # constraints are listed
    assert "--agent.algorithm.gamma  [float; >= 0; <= 1]" in result.stdout


def test_ctrl_c_saves_a_final_checkpoint(tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-m", "genelab", "train", TASK, "--num-envs", "8",
         "--max-iterations", "100000", "--agent.steps_per_iteration=8",
         "--agent.save_interval=100000"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and not list(tmp_path.glob("logs/rsl_rl/*/*/events.*")):
        time.sleep(0.5)
    time.sleep(3)  # let a few iterations run
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr[-3000:]
    assert "Traceback" not in stderr
    [run] = runs(tmp_path)
    assert max(iterations(run)) > 0


def test_play_uses_the_runs_saved_agent_config(genelab, tmp_path):
    trained = genelab("train", TASK, "--num-envs", "4", "--max-iterations", "1",
                      "--agent.steps_per_iteration=4", "--agent.actor.hidden_dims=[7]",
                      "--agent.critic.hidden_dims=[5]")
    assert trained.returncode == 0, trained.stderr[-3000:]
    played = genelab("play", TASK, "--agent", "trained", "--steps", "3")
    assert played.returncode == 0, played.stderr[-3000:]
    assert "played 3 steps" in played.stdout


def test_profile_writes_a_trace_of_env_steps_into_the_run(genelab, tmp_path):
    result = genelab("train", TASK, *SMALL, "--profile",
                     env={"GENELAB_PROFILE_SCHEDULE": "2,2,3,1"})
    assert result.returncode == 0, result.stderr
    (trace,) = runs(tmp_path)[0].glob("profiler/*.pt.trace.json")
    events = json.loads(trace.read_text())["traceEvents"]
    steps = {e["name"] for e in events if e.get("name", "").startswith("ProfilerStep#")}
    assert steps == {"ProfilerStep#4", "ProfilerStep#5", "ProfilerStep#6"}  # the active window
    assert any(e.get("name", "").startswith("aten::") for e in events)


def test_profile_schedule_errors_and_too_short_runs(genelab, tmp_path, assert_one_line_error):
    bad = genelab("train", TASK, *SMALL, "--profile", env={"GENELAB_PROFILE_SCHEDULE": "1,2"})
    assert_one_line_error(bad, "GENELAB_PROFILE_SCHEDULE must be four integers")
    assert not runs(tmp_path)
    short = genelab("train", TASK, *SMALL, env={"GENELAB_PROFILE": "1",
                                                "GENELAB_PROFILE_SCHEDULE": "100,5,10,1"})
    assert short.returncode == 0, short.stderr
    assert "profiling recorded no trace: the run took 24 env steps, the schedule needs 115" \
        in short.stderr
    assert not list(runs(tmp_path)[0].glob("profiler/*.json"))
