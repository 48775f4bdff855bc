"""Training through the backend for every algorithm: files, progress, resume, interrupts."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from genelab.errors import GenelabError
from genelab.testing import StopAt, crash, metric_steps, press_ctrl_c
from genelab_backend_sb3.checkpoints import load_checkpoint

RUNS = ("PPO", "A2C", "SAC", "TD3", "DDPG", "HER")
STEPS = 8  # the tiny agent's steps_per_iteration
ENVS = 8  # the short env's num_envs
BATCH = STEPS * ENVS  # env steps (SB3 num_timesteps) per iteration


def files(run_dir: Path, pattern: str = "model_*.zip") -> list[str]:
    found = (run_dir / "checkpoints").glob(pattern)
    return [p.name for p in sorted(found, key=lambda p: int(p.stem.split("_")[-1]))]


def optimizer_steps(path: Path) -> int:
    """Adam steps of the checkpoint's (first) optimizer."""
    params = load_checkpoint(path, "cpu").params
    name = "policy.optimizer" if "policy.optimizer" in params else "critic.optimizer"
    state = params[name]["state"]
    return int(state[0]["step"]) if state else 0


@pytest.mark.parametrize("name", RUNS)
def test_short_run_writes_checkpoints_events_and_progress(trained_runs, name) -> None:
    run = trained_runs(name)
    run_dir = run.run_dir
    assert files(run_dir) == [f"model_{BATCH}.zip", f"model_{3 * BATCH}.zip"]
    assert not [p for p in run_dir.rglob("*") if p.name.endswith(".tmp")]
    off_policy = not run.agent_cfg.on_policy
    # only the latest checkpoint keeps the (large) replay buffer
    assert files(run_dir, "replay_buffer_*.pt") == ([f"replay_buffer_{3 * BATCH}.pt"]
                                                     if off_policy else [])
    tags = metric_steps(run_dir)  # core's schema once per iteration, SB3's train/* renamed into it
    assert tags["Perf/steps_per_s"] == tags["Time/elapsed_s"] == [BATCH, 2 * BATCH, 3 * BATCH]
    assert tags["Episode/length"][-1] == 3 * BATCH  # episodes ended (10-step limit)
    assert tags["Episode_Termination/time_out"] == [2 * BATCH, 3 * BATCH]  # none end at first
    assert any(tag.startswith("Loss/") for tag in tags)
    assert not [tag for tag in tags if tag.startswith(("rollout/", "time/", "train/"))]
    if name == "HER":
        assert tags["Episode/success_rate"][-1] == 3 * BATCH
    progress = run.ctx.progress
    assert (progress.first_iteration, progress.total_iterations) == (0, 3)
    assert progress.last.iteration == 2 and progress.last.env_steps == 3 * BATCH
    assert 0 < progress.last.mean_episode_length <= 10  # the 10-step time limit
    assert ("success_rate" in progress.last.extra) == (name == "HER")
    lines = progress.stream.getvalue().splitlines()
    assert [line.split(" |")[0] for line in lines] == ["it 1/3", "it 2/3", "it 3/3"]
    checkpoint = load_checkpoint(run.last_checkpoint, "cpu")
    assert checkpoint.meta["algorithm"] == run.agent_cfg.algorithm
    assert (checkpoint.meta["iteration"], checkpoint.state["counters"]["num_timesteps"]) == (2, 3 * BATCH)


@pytest.mark.parametrize("name", RUNS)
def test_resume_continues_counters_weights_optimizer_and_replay(trained_runs, train,
                                                                 tiny_agent, name) -> None:
    checkpoint = trained_runs(name).last_checkpoint
    agent_cfg = tiny_agent(name)
    agent_cfg.max_iterations = 2
    agent_cfg.save_interval = 1
    ctx = train(agent_cfg, resume_from=checkpoint)
    assert files(ctx.run_dir) == [f"model_{4 * BATCH}.zip", f"model_{5 * BATCH}.zip"]
    assert (ctx.progress.first_iteration, ctx.progress.total_iterations) == (3, 5)
    assert ctx.progress.last.env_steps == 5 * BATCH
    progress = ctx.progress.stream.getvalue().splitlines()
    assert "reward - |" not in progress[0]  # the checkpoint's recent episodes carry over
    assert metric_steps(ctx.run_dir)["Perf/steps_per_s"] == [4 * BATCH, 5 * BATCH]
    last = ctx.run_dir / "checkpoints" / f"model_{5 * BATCH}.zip"
    before, after = load_checkpoint(checkpoint, "cpu"), load_checkpoint(last, "cpu")
    assert after.meta["iteration"] == 4
    assert after.state["counters"]["_n_updates"] > before.state["counters"]["_n_updates"] > 0
    assert optimizer_steps(last) > optimizer_steps(checkpoint) > 0
    key = next(k for k in before.params["policy"] if k.endswith("weight"))
    assert not torch.equal(after.params["policy"][key], before.params["policy"][key])


def agent_cfg_envs(ctx) -> int:
    return ctx.env.num_envs


def test_resumed_replay_buffer_holds_the_earlier_transitions(trained_runs, train,
                                                              tiny_agent) -> None:
    checkpoint = trained_runs("SAC").last_checkpoint
    agent_cfg = tiny_agent("SAC")
    agent_cfg.max_iterations = 1
    ctx = train(agent_cfg, resume_from=checkpoint)
    saved = ctx.run_dir / "checkpoints" / f"replay_buffer_{4 * BATCH}.pt"
    buffer = torch.load(saved, weights_only=True)  # tensors only: no pickled objects
    assert not buffer["full"] and buffer["arrays"]["rewards"].shape[1] == agent_cfg_envs(ctx)
    assert buffer["pos"] * agent_cfg_envs(ctx) == 4 * BATCH  # 3 restored + 1 new iteration


def test_resume_without_a_replay_buffer_warms_up_again(trained_runs, train, tiny_agent,
                                                       tmp_path, capsys) -> None:
    run = trained_runs("TD3")
    first = run.run_dir / "checkpoints" / f"model_{BATCH}.zip"  # its buffer was superseded
    agent_cfg = tiny_agent("TD3")
    agent_cfg.max_iterations = 1
    agent_cfg.td3.learning_starts = BATCH  # counted again from the restored num_timesteps
    ctx = train(agent_cfg, resume_from=first)
    assert "has no saved replay buffer" in capsys.readouterr().err
    resumed = load_checkpoint(ctx.run_dir / "checkpoints" / f"model_{2 * BATCH}.zip", "cpu")
    # learning_starts moved past the restored counter, so no update ran on an empty buffer
    updates = load_checkpoint(first, "cpu").state["counters"]["_n_updates"]
    assert resumed.state["counters"]["_n_updates"] == updates


def test_resume_from_other_task_names_both_shapes(trained_runs, train, tiny_agent,
                                                  short_env) -> None:
    checkpoint = trained_runs("PPO").last_checkpoint  # a Cartpole run (4 observations)
    with pytest.raises(GenelabError, match=rf"model_{3 * BATCH}.zip expects 4 policy "
                                           r"observations but GeneLab-Pendulum-v0 gives 3"):
        train(tiny_agent("PPO"), short_env("GeneLab-Pendulum-v0"),
              task_id="GeneLab-Pendulum-v0", resume_from=checkpoint)


def test_resume_with_another_algorithm_is_refused(trained_runs, train, tiny_agent) -> None:
    checkpoint = trained_runs("TD3").last_checkpoint
    with pytest.raises(GenelabError, match="trained with TD3 but the agent config selects DDPG"):
        train(tiny_agent("DDPG"), resume_from=checkpoint)


@pytest.mark.parametrize(("stop", "error"), [(press_ctrl_c, KeyboardInterrupt),
                                             (crash, RuntimeError)])
@pytest.mark.parametrize("name", ["PPO", "SAC"])
def test_interrupted_training_leaves_final_checkpoint(train, tiny_agent, tmp_path, stop,
                                                      error, name) -> None:
    agent_cfg = tiny_agent(name)
    agent_cfg.max_iterations = 10
    with pytest.raises(error):
        train(agent_cfg, progress=StopAt(1, stop))
    run_dir = tmp_path / "run0"  # where the train fixture put its first run
    assert files(run_dir) == [f"model_{BATCH}.zip", f"model_{2 * BATCH}.zip"]
    checkpoint = load_checkpoint(run_dir / "checkpoints" / f"model_{2 * BATCH}.zip", "cpu")
    assert (checkpoint.meta["iteration"], checkpoint.state["counters"]["num_timesteps"]) == (1, 2 * BATCH)
    assert metric_steps(run_dir)["Perf/steps_per_s"] == [BATCH, 2 * BATCH]
