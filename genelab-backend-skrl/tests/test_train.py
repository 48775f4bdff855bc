"""Training through the backend for every algorithm: files, progress, resume, interrupts."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from genelab.errors import GenelabError
from genelab.testing import StopAt, crash, metric_steps, press_ctrl_c

ALGORITHMS = ("PPO", "A2C", "SAC", "TD3", "DDPG")
STEPS = 8  # the tiny agent's steps_per_iteration
ENVS = 8  # the short env's num_envs


def checkpoints(run_dir: Path) -> list[str]:
    files = (run_dir / "checkpoints").glob("agent_*.pt")
    return [p.name for p in sorted(files, key=lambda p: int(p.stem.split("_")[1]))]


def saved(path: Path) -> dict:
    return torch.load(path, weights_only=False)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_short_run_writes_checkpoints_events_and_progress(trained_runs, algorithm) -> None:
    run = trained_runs(algorithm)
    run_dir = run.run_dir
    assert checkpoints(run_dir) == [f"agent_{STEPS}.pt", f"agent_{3 * STEPS}.pt"]
    assert not [p for p in run_dir.rglob("*") if p.name.endswith(".tmp")]
    memories = [p.name for p in (run_dir / "checkpoints").glob("memory_*.pt")]
    off_policy = algorithm in ("SAC", "TD3", "DDPG")  # only the latest keeps its memory
    assert memories == ([f"memory_{3 * STEPS}.pt"] if off_policy else [])
    tags = metric_steps(run_dir)  # core's schema once per iteration, skrl's losses renamed into it
    batch = STEPS * ENVS
    assert tags["Perf/steps_per_s"] == [batch, 2 * batch, 3 * batch]
    assert tags["Episode_Termination/time_out"][-1] == 3 * batch
    assert tags["Loss/policy"] == [batch, 2 * batch, 3 * batch]
    assert not [tag for tag in tags if " / " in tag]  # no skrl-named tags
    progress = run.ctx.progress
    assert (progress.first_iteration, progress.total_iterations) == (0, 3)
    assert progress.last.iteration == 2 and progress.last.env_steps == 3 * STEPS * ENVS
    assert 0 < progress.last.mean_episode_length <= 10  # the 10-step time limit
    lines = progress.stream.getvalue().splitlines()
    assert [line.split(" |")[0] for line in lines] == ["it 1/3", "it 2/3", "it 3/3"]
    meta = saved(run.last_checkpoint)["genelab"]
    assert meta["algorithm"] == algorithm
    assert (meta["iteration"], meta["timestep"], meta["env_steps"]) == (2, 3 * STEPS,
                                                                        3 * STEPS * ENVS)


def _optimizer_steps(state: dict) -> int:
    name = "optimizer" if "optimizer" in state else "critic_optimizer"
    return int(state[name]["state"][0]["step"])


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_resume_continues_counters_weights_and_statistics(trained_runs, train, tiny_agent,
                                                          algorithm) -> None:
    checkpoint = trained_runs(algorithm).last_checkpoint
    agent_cfg = tiny_agent(algorithm)
    agent_cfg.max_iterations = 2
    agent_cfg.save_interval = 1
    ctx = train(agent_cfg, resume_from=checkpoint)
    assert checkpoints(ctx.run_dir) == [f"agent_{4 * STEPS}.pt", f"agent_{5 * STEPS}.pt"]
    assert (ctx.progress.first_iteration, ctx.progress.total_iterations) == (3, 5)
    assert ctx.progress.last.env_steps == 5 * STEPS * ENVS
    assert metric_steps(ctx.run_dir)["Perf/steps_per_s"] == [4 * STEPS * ENVS, 5 * STEPS * ENVS]
    before, after = saved(checkpoint), saved(ctx.run_dir / "checkpoints" / f"agent_{5 * STEPS}.pt")
    assert (after["genelab"]["iteration"], after["genelab"]["timestep"]) == (4, 5 * STEPS)
    assert _optimizer_steps(after) > _optimizer_steps(before) > 0
    count = "current_count"
    assert after["observation_preprocessor"][count] > before["observation_preprocessor"][count] > 1
    assert not torch.equal(after["policy"]["net.0.weight"], before["policy"]["net.0.weight"])


def test_resume_refills_the_replay_memory(trained_runs, train, tiny_agent) -> None:
    checkpoint = trained_runs("DDPG").last_checkpoint
    before = saved(checkpoint.with_name(f"memory_{3 * STEPS}.pt"))
    agent_cfg = tiny_agent("DDPG")
    agent_cfg.max_iterations = 1
    ctx = train(agent_cfg, resume_from=checkpoint)
    after = saved(ctx.run_dir / "checkpoints" / f"memory_{4 * STEPS}.pt")
    assert (before["memory_index"], after["memory_index"]) == (3 * STEPS, 4 * STEPS)
    for name, rows in before["tensors"].items():  # the earlier transitions are all still there
        torch.testing.assert_close(after["tensors"][name][: 3 * STEPS], rows[: 3 * STEPS])


def test_resume_without_a_replay_memory_warms_up_again(trained_runs, train, tiny_agent,
                                                       capsys) -> None:
    first = trained_runs("TD3").run_dir / "checkpoints" / f"agent_{STEPS}.pt"  # superseded
    agent_cfg = tiny_agent("TD3")
    agent_cfg.max_iterations = 1
    agent_cfg.td3.learning_starts = STEPS  # counted again from the restored timestep
    ctx = train(agent_cfg, resume_from=first)
    assert "has no saved replay memory" in capsys.readouterr().err
    resumed = saved(ctx.run_dir / "checkpoints" / f"agent_{2 * STEPS}.pt")
    assert _optimizer_steps(resumed) == _optimizer_steps(saved(first))  # no update yet


def test_td3_resume_continues_its_policy_delay_phase(trained_runs, train, tiny_agent
                                                      ) -> None:
    checkpoint = trained_runs("TD3").last_checkpoint
    counted = saved(checkpoint)["genelab"]["extra"]["update_counter"]
    assert counted > 0
    agent_cfg = tiny_agent("TD3")
    agent_cfg.max_iterations = 1
    ctx = train(agent_cfg, resume_from=checkpoint)
    resumed = saved(ctx.run_dir / "checkpoints" / f"agent_{4 * STEPS}.pt")
    # one gradient step per vectorized step: the counter continues, it does not restart
    assert resumed["genelab"]["extra"]["update_counter"] == counted + STEPS


def test_sac_resume_keeps_the_learned_entropy_coefficient(trained_runs, train, tiny_agent
                                                          ) -> None:
    checkpoint = trained_runs("SAC").last_checkpoint
    learned = saved(checkpoint)["genelab"]["extra"]["log_entropy_coefficient"]
    assert not torch.allclose(learned, torch.log(torch.tensor([0.2])))  # moved from initial
    agent_cfg = tiny_agent("SAC")
    agent_cfg.max_iterations = 1
    agent_cfg.sac.learning_starts = 10_000  # no update: the coefficient must stay as loaded
    ctx = train(agent_cfg, resume_from=checkpoint)
    resumed = saved(ctx.run_dir / "checkpoints" / f"agent_{4 * STEPS}.pt")
    torch.testing.assert_close(resumed["genelab"]["extra"]["log_entropy_coefficient"], learned)


def test_resume_from_other_task_names_both_shapes(trained_runs, train, tiny_agent,
                                                  short_env) -> None:
    checkpoint = trained_runs("PPO").last_checkpoint  # a Cartpole run (4 observations)
    with pytest.raises(GenelabError, match=r"agent_24.pt expects 4 policy observations but "
                                           r"GeneLab-Pendulum-v0 gives 3"):
        train(tiny_agent("PPO"), short_env("GeneLab-Pendulum-v0"),
              task_id="GeneLab-Pendulum-v0", resume_from=checkpoint)


def test_resume_with_another_algorithm_is_refused(trained_runs, train, tiny_agent) -> None:
    checkpoint = trained_runs("TD3").last_checkpoint
    with pytest.raises(GenelabError, match="trained with TD3 but the agent config selects DDPG"):
        train(tiny_agent("DDPG"), resume_from=checkpoint)


@pytest.mark.parametrize("with_critic", [False, True])
def test_critics_read_the_critic_group_when_present(train, tiny_agent, short_env,
                                                    with_critic) -> None:
    env_cfg = short_env()
    env_cfg.observations.pop("critic", None)
    if with_critic:  # privileged critic: the policy terms plus a duplicate term
        policy = env_cfg.observations["policy"]
        terms = {**policy.terms, "extra": next(iter(policy.terms.values()))}
        env_cfg.observations["critic"] = type(policy)(terms=terms, enable_noise=False)
    agent_cfg = tiny_agent("SAC")
    agent_cfg.max_iterations = 1
    ctx = train(agent_cfg, env_cfg, task_id="GeneLab-Cartpole-v0")
    dims = ctx.env.observation_dims
    state = saved(ctx.run_dir / "checkpoints" / f"agent_{STEPS}.pt")
    critic_in = state["critic_1"]["net.0.weight"].shape[1] - ctx.env.action_dim
    assert critic_in == dims["critic" if with_critic else "policy"]
    assert state["policy"]["net.0.weight"].shape[1] == dims["policy"]
    assert ("state_preprocessor" in state) == with_critic


@pytest.mark.parametrize(("stop", "error"), [(press_ctrl_c, KeyboardInterrupt),
                                             (crash, RuntimeError)])
def test_interrupted_training_leaves_final_checkpoint(train, tiny_agent, tmp_path, stop,
                                                      error) -> None:
    agent_cfg = tiny_agent("SAC")
    agent_cfg.max_iterations = 10
    with pytest.raises(error):
        train(agent_cfg, progress=StopAt(1, stop))
    run_dir = tmp_path / "run0"  # where the train fixture put its first run
    assert checkpoints(run_dir) == [f"agent_{STEPS}.pt", f"agent_{2 * STEPS}.pt"]
    assert saved(run_dir / "checkpoints" / f"agent_{2 * STEPS}.pt")["genelab"]["iteration"] == 1
    assert metric_steps(run_dir)["Perf/steps_per_s"] == [STEPS * ENVS, 2 * STEPS * ENVS]
