"""Runs you can trust, through the real CLI: saved settings, lookup, exact resume, signals,
names and checkpoints that never run code."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from genelab.testing import checkpoint_set, same_contents

TASK = "GeneLab-Cartpole-v0"
TINY = ("--num-envs", "4", "--agent.steps_per_iteration=8", "--agent.save_interval=1",
        "--agent.actor.hidden_dims=[16]", "--agent.critic.hidden_dims=[16]")
TRAINED_WITH = ("--agent.algorithm.gamma=0.9", "--env.actions.force.scale=5.0",
                "--env.observations.policy.terms.joint_state.scale=10.0", "--env.sim.dt=0.005")


def run_dirs(root: Path) -> list[Path]:
    return sorted(p for p in (root / "logs").glob("*/*/*") if p.is_dir())


def params(run: Path, name: str) -> dict:
    return json.loads((run / "params" / f"{name}.json").read_text())


def latest_checkpoint(run: Path) -> Path:
    return max(run.glob("model_*.pt"), key=lambda p: int(p.stem.split("_")[1]))


def wait_for(condition, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A Cartpole run trained with non-default agent, action and observation settings."""
    root = tmp_path_factory.mktemp("trained")
    result = subprocess.run(
        [sys.executable, "-m", "genelab", "train", TASK, *TINY, "--num-envs", "8",
         "--max-iterations", "3", "--seed", "5", *TRAINED_WITH],
        cwd=root, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    [run] = run_dirs(root)
    return root, run, result


def test_resume_trains_the_saved_settings_and_prints_each_change(trained, genelab):
    root, first, _ = trained
    result = genelab("train", TASK, "--resume", "--max-iterations", "1",
                     "--agent.algorithm.gamma=0.95", cwd=root)
    assert result.returncode == 0, result.stderr[-3000:]
    [second] = [r for r in run_dirs(root) if r != first]
    assert result.stdout.count("agent.algorithm.gamma: 0.9 (saved) -> 0.95") == 1
    assert "force.scale" not in result.stdout and "joint_state" not in result.stdout
    assert "sim.dt" not in result.stdout
    agent, env = params(second, "agent"), params(second, "env")
    assert agent["algorithm"]["gamma"] == 0.95 and agent["actor"]["hidden_dims"] == [16]
    assert env["actions"]["force"]["scale"] == 5.0 and env["num_envs"] == 8
    assert env["observations"]["policy"]["terms"]["joint_state"]["scale"] == 10.0
    info = params(second, "run")
    assert info["changes"] == ["agent.algorithm.gamma: 0.9 (saved) -> 0.95"]
    assert info["resumed_run"] == str(first) and info["status"] == "complete"
    shutil.rmtree(second)  # keep the module's runs as the other tests expect them


def test_a_change_the_checkpoint_cannot_take_is_one_line(trained, genelab, assert_one_line_error):
    root, _, _ = trained
    before = run_dirs(root)
    result = genelab("train", TASK, "--resume", "--max-iterations", "1",
                     "--agent.actor.hidden_dims=[5]", cwd=root)
    assert "agent.actor.hidden_dims: [16] (saved) -> [5]" in result.stdout
    assert_one_line_error(result, "actor network parameter", "(16, 4)", "(5, 4)")
    assert run_dirs(root) == before


def test_eval_and_play_use_the_runs_saved_env(trained, genelab, tmp_path):
    root, run, train_result = trained
    scale = "--env.observations.policy.terms.joint_state.scale"
    metrics = {}
    for name, extra in (("saved", ()), ("explicit", (f"{scale}=10.0",)), ("default", (f"{scale}=1.0",))):
        out = tmp_path / f"{name}.json"
        result = genelab("eval", TASK, "latest", "--output", str(out), *extra, cwd=root)
        assert result.returncode == 0, result.stderr[-3000:]
        metrics[name] = json.loads(out.read_text())
    assert root / metrics["saved"]["checkpoint"] == latest_checkpoint(run)
    # the saved observation scale is used (seeded eval: identical to giving it explicitly)
    assert metrics["saved"]["return_mean"] == metrics["explicit"]["return_mean"]
    assert metrics["saved"]["return_mean"] != metrics["default"]["return_mean"]
    # the hint printed after training plays the run exactly, and says what play changes
    hint = next(line for line in train_result.stdout.splitlines() if line.startswith("play it:"))
    assert hint == f"play it: genelab play {TASK} --agent trained --checkpoint {run.relative_to(root)}"
    played = genelab(*hint.split()[3:], "--steps", "5", cwd=root)
    assert played.returncode == 0 and "played 5 steps" in played.stdout, played.stderr
    assert "note: env.num_envs: 8 (trained) -> 4 (the task's play env)" in played.stderr
    exported = genelab("export", TASK, "latest", "--output", str(tmp_path / "policy.pt"), cwd=root)
    assert exported.returncode == 0, exported.stderr[-3000:]
    meta = json.loads((tmp_path / "policy.pt.json").read_text())
    assert meta["step_dt"] == pytest.approx(0.005 * 2)  # the run's sim.dt, not the task's 0.01


def test_lookup_never_picks_another_tasks_run_and_finds_same_second_runs(trained, genelab,
                                                                       assert_one_line_error,
                                                                       tmp_path):
    root, run, _ = trained
    other = "GeneLab-Pendulum-v0"
    # the same backend and experiment folder as the Cartpole run, and newer
    pendulum = genelab("train", other, "--preset", "rsl_rl_ppo", *TINY, "--max-iterations", "1",
                       "--agent.experiment_name=cartpole", cwd=root)
    assert pendulum.returncode == 0, pendulum.stderr[-3000:]
    [pendulum_run] = [r for r in run_dirs(root) if params(r, "run")["task"] == other]
    assert pendulum_run.parent == run.parent
    empty = run.with_name(run.name + "-5")  # newer still, killed before its first checkpoint
    shutil.copytree(run / "params", empty / "params")
    out = tmp_path / "eval.json"
    try:
        result = genelab("eval", TASK, "latest", "--output", str(out), cwd=root)
        assert result.returncode == 0, result.stderr[-3000:]
        assert (root / json.loads(out.read_text())["checkpoint"]).parent == run
        assert f"note: skipped 1 newer run(s) without checkpoints: rsl_rl/cartpole/{empty.name}" \
            in result.stderr
    finally:
        shutil.rmtree(empty)
    wrong = genelab("play", other, "--agent", "trained", "--checkpoint", str(run), cwd=root)
    assert_one_line_error(wrong, f"trained {TASK}, not {other}")
    listed = [line.split()[0] for line in
              genelab("list", "runs", TASK, cwd=root).stdout.splitlines()[1:]]
    assert listed == ["/".join(run.parts[-3:])]
    twin = run.with_name(run.name + "-1")  # a run started in the same second
    shutil.copytree(run, twin)
    try:
        result = genelab("eval", TASK, "latest", "--output", str(out), cwd=root)
        assert result.returncode == 0, result.stderr[-3000:]
        assert (root / json.loads(out.read_text())["checkpoint"]).parent == twin
    finally:
        shutil.rmtree(twin)
    shutil.rmtree(pendulum_run)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_before_the_first_iteration_ends_leaves_no_run(tmp_path, sig):
    process = subprocess.Popen(
        [sys.executable, "-m", "genelab", "train", TASK, "--num-envs", "4",
         "--agent.steps_per_iteration=200000", "--max-iterations", "1"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for(lambda: list(tmp_path.glob("logs/*/*/*/params/run.json")))
    time.sleep(1.0)
    process.send_signal(sig)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, (stdout[-2000:], stderr[-3000:])
    assert "Traceback" not in stderr
    assert "interrupted before the first iteration ended; nothing was saved" in stderr
    assert not list(tmp_path.glob("logs/*/*/*"))


#: Preempted through the CLI here; every backend's own tests preempt in-process too.
PREEMPTED = {"rsl_rl_ppo": ("GeneLab-Cartpole-v0", TINY)}


def checkpoints_of(run: Path) -> list[Path]:
    from genelab.runs import Run

    return [path for _, path in Run.open(run).checkpoints()]


@pytest.mark.parametrize("preset", list(PREEMPTED))
def test_sigterm_stops_at_an_iteration_end_and_the_run_continues_exactly(genelab, tmp_path,
                                                                         preset):
    """A preempted run and an uninterrupted one are the same experiment."""
    task, args = PREEMPTED[preset]
    budget = ("--max-iterations", "100000", "--agent.save_interval=100000")
    process = subprocess.Popen(
        [sys.executable, "-m", "genelab", "train", task, "--preset", preset, *args, *budget,
         "--log-dir", "stopped"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for(lambda: list(tmp_path.glob("stopped/*/*/*/params/run.json"))
             and checkpoints_of(next(tmp_path.glob("stopped/*/*/*"))))
    time.sleep(1.5)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr[-3000:]
    assert "Traceback" not in stderr and "SIGTERM: stopping when iteration" in stderr
    [run] = (tmp_path / "stopped").glob("*/*/*")
    saved = checkpoints_of(run)
    done = int(stderr.split("interrupted after ")[1].split()[0])
    assert done > 1 and f"saved {saved[-1].relative_to(tmp_path)}" in stderr
    hint = next(line for line in stderr.splitlines() if line.startswith("continue it:"))
    assert hint == (f"continue it: genelab train {task} --checkpoint {run.relative_to(tmp_path)} "
                    f"--max-iterations {100000 - done} --log-dir stopped")
    assert params(run, "run")["status"] == "interrupted"
    assert not [p for p in run.rglob("*") if p.name.endswith(".tmp")]
    listed = genelab("list", "runs", task, "--log-dir", "stopped").stdout.splitlines()
    assert listed[1].split()[:4] == ["/".join(run.parts[-3:]), "interrupted", preset,
                                     str(len(saved))]
    rest = genelab(*hint.split()[3:-3], "2", "--log-dir", "stopped")  # 2 more, not 99,000
    whole = genelab("train", task, "--preset", preset, *args, "--max-iterations", str(done + 2),
                    "--log-dir", "whole")
    for result in (rest, whole):
        assert result.returncode == 0, result.stderr[-3000:]
    [continued] = [r for r in (tmp_path / "stopped").glob("*/*/*") if r != run]
    [uninterrupted] = (tmp_path / "whole").glob("*/*/*")
    a, b = checkpoints_of(continued)[-1], checkpoints_of(uninterrupted)[-1]
    assert a.name == b.name
    contents = checkpoint_set(a)
    assert len(contents) > 30 and same_contents(contents, checkpoint_set(b)) == []


SLOW_SAVE = """
import sys, time
from pathlib import Path
import torch
save = torch.save
def slow_save(obj, f, *args, **kwargs):
    if Path("SLOW").exists():
        Path("SAVING").touch()
        time.sleep(3)
    return save(obj, f, *args, **kwargs)
torch.save = slow_save
from genelab.cli.app import main
sys.argv = ["genelab", *sys.argv[1:]]
main()
"""


def test_a_second_ctrl_c_during_the_save_keeps_the_checkpoint_whole(tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-c", SLOW_SAVE, "train", TASK, *TINY, "--max-iterations", "100000",
         "--agent.save_interval=100000"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for(lambda: list(tmp_path.glob("logs/*/*/*/model_0.pt")))
    (tmp_path / "SLOW").touch()
    process.send_signal(signal.SIGINT)
    wait_for(lambda: (tmp_path / "SAVING").exists(), timeout=120)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr[-3000:]
    assert "Traceback" not in stderr and "interrupted after" in stderr
    [run] = run_dirs(tmp_path)
    saved = latest_checkpoint(run)
    assert saved.name != "model_0.pt"
    assert torch.load(saved, weights_only=True)["iter"] == int(saved.stem.split("_")[1])
    assert not [p for p in run.rglob("*") if p.name.endswith(".tmp")]


@pytest.mark.parametrize(("args", "fragment"), [
    (("--agent.experiment_name", "../../escaped"), "'../../escaped' for --agent.experiment_name"),
    (("--agent.experiment_name", "/tmp/escaped"), "'/tmp/escaped' for --agent.experiment_name"),
    (("--run-name", "a/b"), "--run-name 'a/b'"),
])
def test_names_cannot_leave_the_log_root(genelab, tmp_path, assert_one_line_error, args, fragment):
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    result = genelab("train", TASK, *TINY, "--max-iterations", "1", *args, cwd=work)
    assert_one_line_error(result, fragment, "plain folder name")
    assert not list(tmp_path.rglob("escaped")) and not (work / "logs").exists()


class _Payload:
    """Pickles to a call that creates ``marker``: what a crafted checkpoint would run."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def _poison_torch_file(path: Path, marker: Path) -> None:
    state = torch.load(path, weights_only=True)
    state[next(iter(state))] = _Payload(marker)
    torch.save(state, path)


def _poison_sb3_zip(path: Path, marker: Path, member: str) -> None:
    import io
    import pickle
    import zipfile

    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    if member == "data":  # SB3's own loader would unpickle this
        members["data"] = json.dumps({"policy_class": {":serialized:": pickle.dumps(
            _Payload(marker)).hex()}}).encode()
    else:
        buffer = io.BytesIO()
        torch.save({"weights": _Payload(marker)}, buffer)
        members[member] = buffer.getvalue()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)


@pytest.mark.parametrize("preset", ["rsl_rl_ppo", "skrl_ppo", "sb3_ppo"])
def test_crafted_checkpoints_are_refused_by_play_eval_and_resume(genelab, tmp_path,
                                                                assert_one_line_error, preset):
    small = ("--num-envs", "4", "--agent.steps_per_iteration=8", "--max-iterations", "1")
    if preset == "sb3_ppo":
        small += ("--agent.ppo.batch_size=32",)
    trained = genelab("train", TASK, "--preset", preset, *small)
    assert trained.returncode == 0, trained.stderr[-3000:]
    [run] = run_dirs(tmp_path)
    [checkpoint] = [p for p in run.rglob("*") if p.suffix in (".pt", ".zip")
                    and p.name.startswith(("model_", "agent_"))]
    marker = tmp_path / "code-ran"
    if preset == "sb3_ppo":
        _poison_sb3_zip(checkpoint, marker, "data")  # never read: playback still works
        played = genelab("play", TASK, "--agent", "trained", "--steps", "2")
        assert played.returncode == 0, played.stderr[-3000:]
        _poison_sb3_zip(checkpoint, marker, "policy.pth")
    else:
        _poison_torch_file(checkpoint, marker)
    for command in (("play", TASK, "--agent", "trained", "--steps", "2"),
                    ("eval", TASK, "latest"),
                    ("train", TASK, "--resume", "--max-iterations", "1")):
        result = genelab(*command)
        assert_one_line_error(result, "refusing to load", "could run code")
    assert not marker.exists() and run_dirs(tmp_path) == [run]


def test_a_params_file_naming_a_foreign_type_imports_nothing(trained, genelab,
                                                            assert_one_line_error, tmp_path):
    root, run, _ = trained
    copy = run.with_name(run.name + "-7")
    shutil.copytree(run, copy)
    marker = tmp_path / "imported"
    site = tmp_path / "site"
    site.mkdir()
    (site / "evil_cfg.py").write_text(f"open({str(marker)!r}, 'w')\nclass Cfg:\n    pass\n")
    agent = params(copy, "agent")
    (copy / "params" / "agent.json").write_text(json.dumps({**agent, "__type__": "evil_cfg.Cfg"}))
    try:
        result = genelab("play", TASK, "--agent", "trained", "--checkpoint", str(copy), cwd=root,
                         env={"PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])})
        assert_one_line_error(result, "type 'evil_cfg.Cfg' is not a BackendConfig",
                              "refusing to import it")
        assert not marker.exists()
    finally:
        shutil.rmtree(copy)
