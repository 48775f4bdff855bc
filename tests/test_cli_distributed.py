"""``genelab train --gpus N`` end to end: torchrun, CPU ranks over gloo, one run directory."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from genelab.rl.ranks import state_digest

TASK = "GeneLab-Cartpole-v0"
SMALL = ("--agent.steps_per_iteration=8", "--agent.save_interval=1")


def runs(root: Path, backend: str = "rsl_rl") -> list[Path]:
    return sorted(p for p in (root / "logs" / backend).glob("*/*") if p.is_dir())


def test_two_ranks_train_one_run_and_resume(genelab, tmp_path) -> None:
    first = genelab("train", TASK, "--gpus", "2", "--num-envs", "16", "--max-iterations", "3",
                    *SMALL)
    assert first.returncode == 0, first.stderr[-3000:]
    assert first.stdout.count("done: 3 iterations") == 1  # rank 0 alone reports
    (run,) = runs(tmp_path)
    assert sorted(p.name for p in run.glob("model_*.pt")) == ["model_0.pt", "model_1.pt",
                                                              "model_2.pt"]
    assert len(list(run.glob("events.out.tfevents.*"))) == 1  # rank 0 alone writes
    info = json.loads((run / "params" / "run.json").read_text())
    assert (info["world_size"], info["num_envs"], info["num_envs_per_rank"]) == (2, 16, 8)
    assert "--gpus 2" in info["launched_by"]
    checkpoint = torch.load(run / "model_2.pt", weights_only=False)
    assert checkpoint["infos"]["env_steps"] == 3 * 8 * 16  # both ranks' envs were stepped
    learner = {key: checkpoint[key] for key in ("actor_state_dict", "critic_state_dict",
                                                 "optimizer_state_dict")}
    assert info["result"]["ranks_agree_sha256"] == state_digest(learner)  # all ranks had it

    resumed = genelab("train", TASK, "--gpus", "2", "--num-envs-per-gpu", "8", "--resume",
                      "--max-iterations", "1", *SMALL)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    second = runs(tmp_path)[-1]
    assert [p.name for p in second.glob("model_*.pt")] == ["model_3.pt"]
    info = json.loads((second / "params" / "run.json").read_text())
    assert info["resumed_from"] == str((run / "model_2.pt").resolve())


@pytest.mark.parametrize(("task", "preset", "flags"), [
    (TASK, "skrl_ppo", ("--agent.steps_per_iteration=8",)),
    ("GeneLab-Pendulum-v0", "skrl_sac", ("--agent.steps_per_iteration=8",
                                         "--agent.sac.learning_starts=8",
                                         "--agent.sac.batch_size=32")),
])
def test_skrl_trains_in_its_distributed_mode_with_identical_ranks(genelab, tmp_path, task,
                                                                  preset, flags) -> None:
    result = genelab("train", task, "--preset", preset, "--gpus", "2", "--num-envs", "8",
                     "--max-iterations", "3", *flags)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.count("done: 3 iterations") == 1  # rank 0 alone reports
    (run,) = runs(tmp_path, "skrl")
    assert len(list(run.glob("events.out.tfevents.*"))) == 1  # rank 0 alone writes
    info = json.loads((run / "params" / "run.json").read_text())
    assert (info["world_size"], info["num_envs"], info["num_envs_per_rank"]) == (2, 8, 4)
    last = max(run.glob("checkpoints/agent_*.pt"), key=lambda p: int(p.stem.split("_")[1]))
    assert last.name == "agent_24.pt"  # 3 iterations x 8 steps
    state = torch.load(last, weights_only=False)
    assert state["genelab"]["env_steps"] == 3 * 8 * 8  # both ranks' envs were stepped
    extra = state.pop("genelab")["extra"]
    del extra["tracking"]
    # every rank ended with the agent rank 0 saved: models, optimizers, normalizers and
    # what skrl does not save (SAC's entropy coefficient, schedulers)
    assert info["result"]["ranks_agree_sha256"] == state_digest({**state, "extra": extra})


@pytest.mark.parametrize(("args", "message"), [
    (("--gpus", "2", "--num-envs", "15"), "--num-envs 15 (the total over all processes) "
                                          "does not split evenly over --gpus 2"),
    (("--gpus", "2", "--preset", "sb3_ppo"), "the sb3 backend trains in one process"),
    (("--gpus", "0"), "--gpus must be at least 1"),
    (("--gpus", "2", "--num-envs", "8", "--num-envs-per-gpu", "3"), "contradicts"),
    (("--gpus", "2", "--env.sim.ddt", "0.1"), "unknown override key"),
    (("--gpus", "1", "--nnodes", "2"), "training on several nodes needs --rdzv-endpoint"),
    (("--gpus", "1", "--nnodes", "2", "--node-rank", "2", "--rdzv-endpoint", "h:1"),
     "--node-rank must be between 0 and 1"),
    (("--gpus", "2", "--nnodes", "2", "--rdzv-endpoint", "h:1", "--num-envs", "6"),
     "does not split evenly over --gpus 2 x --nnodes 2"),
])
def test_launch_errors_are_one_line_and_leave_no_run(genelab, tmp_path, assert_one_line_error,
                                                     args, message) -> None:
    assert_one_line_error(genelab("train", TASK, *args), message)
    assert not (tmp_path / "logs").exists() or not any((tmp_path / "logs").rglob("params"))


def test_ranks_refusing_the_config_give_one_error_and_leave_no_run(
        genelab, tmp_path, assert_one_line_error) -> None:
    # valid for the parent, refused on the ranks (the validation needs the built env)
    result = genelab("train", TASK, "--gpus", "2", "--num-envs", "4", "--max-iterations", "1",
                     "--agent.algorithm.num_mini_batches=99")
    assert_one_line_error(result, "cannot be split into 99 mini-batches")
    assert not runs(tmp_path)


def test_ctrl_c_reaches_every_rank_and_rank_0_saves(tmp_path) -> None:
    process = subprocess.Popen(  # its own process group, as a terminal's foreground job
        [sys.executable, "-m", "genelab", "train", TASK, "--gpus", "2", "--num-envs", "8",
         "--max-iterations", "100000", "--agent.steps_per_iteration=8",
         "--agent.save_interval=100000"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and not list(tmp_path.glob("logs/rsl_rl/*/*/events.*")):
        time.sleep(0.5)
    time.sleep(3)  # let a few iterations run
    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr[-3000:]
    assert "Traceback" not in stderr
    (run,) = runs(tmp_path)
    saved = sorted(int(p.stem.split("_")[1]) for p in run.glob("model_*.pt"))
    assert saved[0] == 0 and saved[-1] > 0  # the first and the interrupted iteration


def test_a_hand_made_torchrun_launch_is_told_to_use_gpus(genelab, tmp_path,
                                                          assert_one_line_error) -> None:
    result = genelab("train", TASK, env={"WORLD_SIZE": "2", "RANK": "0"})
    assert_one_line_error(result, "a multi-process run needs one shared run directory",
                          "--gpus N")
    assert not (tmp_path / "logs").exists()


def test_list_backends_says_which_accept_gpus(genelab) -> None:
    header, *lines = genelab("list", "backends").stdout.splitlines()
    start = header.index("--gpus")  # a column of the table
    column = {line.split()[0]: line[start:].split()[0] for line in lines if line.strip()}
    assert {name: column[name] for name in ("rsl_rl", "skrl", "sb3")} == {
        "rsl_rl": "yes", "skrl": "yes", "sb3": "no"}


def test_two_nodes_join_one_rendezvous_and_node_0_writes(tmp_path) -> None:
    with socket.socket() as probe:  # a free port for node 0's rendezvous
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    nodes = [subprocess.Popen(  # two "machines" sharing one file system
        [sys.executable, "-m", "genelab", "train", TASK, "--gpus", "1", "--nnodes", "2",
         "--node-rank", str(rank), "--rdzv-endpoint", f"127.0.0.1:{port}", "--num-envs", "16",
         "--max-iterations", "2", *SMALL],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for rank in (0, 1)]
    outputs = [node.communicate(timeout=300) for node in nodes]
    assert [node.returncode for node in nodes] == [0, 0], outputs
    assert "done: 2 iterations" in outputs[0][0]
    assert "node 1 of 2: done" in outputs[1][0]
    (run,) = runs(tmp_path)
    info = json.loads((run / "params" / "run.json").read_text())
    assert (info["world_size"], info["num_envs_per_rank"]) == (2, 8)
    checkpoint = torch.load(run / "model_1.pt", weights_only=False)
    assert checkpoint["infos"]["env_steps"] == 2 * 8 * 16
