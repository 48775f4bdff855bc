"""Training through the backend: files on disk, progress, resume, interrupts."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
from genelab.envs import ManagerBasedRlEnv
from genelab.errors import GenelabError
from genelab.testing import StopAt, crash, metric_steps, press_ctrl_c, suite_device
from genelab_backend_rslrl.backend import RslRlBackend

DEVICE = suite_device()


def checkpoints(run_dir: Path) -> list[str]:
    return sorted(p.name for p in run_dir.glob("model_*.pt"))


def test_short_run_writes_checkpoints_events_and_progress(cartpole_run) -> None:
    run_dir = cartpole_run.run_dir
    assert checkpoints(run_dir) == ["model_0.pt", "model_2.pt"]
    assert not [p for p in run_dir.iterdir() if p.name.endswith(".tmp")]
    steps = 8 * cartpole_run.agent_cfg.steps_per_iteration
    tags = metric_steps(run_dir)  # core's schema, rsl_rl's losses renamed into it
    for tag in ("Loss/policy", "Loss/value", "Train/learning_rate", "Perf/steps_per_s",
                "Time/elapsed_s"):
        assert tags[tag] == [steps, 2 * steps, 3 * steps], tag
    assert tags["Episode/return"][-1] == tags["Episode_Reward/alive"][-1] == 3 * steps
    assert not [tag for tag in tags if tag.startswith(("Train/mean", "Perf/total"))]
    progress = cartpole_run.ctx.progress
    assert (progress.first_iteration, progress.total_iterations) == (0, 3)
    assert progress.last.iteration == 2 and progress.last.env_steps == 3 * steps
    assert 0 < progress.last.mean_episode_length <= 10  # the 10-step time limit
    lines = progress.stream.getvalue().splitlines()
    assert [line.split(" |")[0] for line in lines] == ["it 1/3", "it 2/3", "it 3/3"]
    saved = torch.load(run_dir / "model_2.pt", weights_only=False)
    assert saved["iter"] == 2 and saved["infos"]["env_steps"] == 3 * steps


def test_resume_continues_iterations_counters_and_weights(cartpole_run, train, tiny_agent
                                                          ) -> None:
    checkpoint = cartpole_run.run_dir / "model_2.pt"
    agent_cfg = tiny_agent()
    agent_cfg.max_iterations = 2
    agent_cfg.save_interval = 1
    ctx = train(agent_cfg, resume_from=checkpoint)
    assert checkpoints(ctx.run_dir) == ["model_3.pt", "model_4.pt"]
    assert (ctx.progress.first_iteration, ctx.progress.total_iterations) == (3, 5)
    steps = 8 * agent_cfg.steps_per_iteration
    assert metric_steps(ctx.run_dir)["Perf/steps_per_s"] == [4 * steps, 5 * steps]
    before = torch.load(checkpoint, weights_only=False)
    after = torch.load(ctx.run_dir / "model_4.pt", weights_only=False)
    assert after["iter"] == 4 and after["infos"]["env_steps"] == 5 * steps
    # the normalizer kept accumulating from the checkpoint's count instead of restarting
    count = "obs_normalizer.count"
    assert after["actor_state_dict"][count] > before["actor_state_dict"][count] > 0
    assert after["optimizer_state_dict"]["state"][0]["step"] > \
        before["optimizer_state_dict"]["state"][0]["step"]


def test_resume_from_other_task_names_both_shapes(cartpole_run, train, tiny_agent,
                                                  short_env) -> None:
    pendulum = "GeneLab-Pendulum-v0"
    with pytest.raises(GenelabError, match=rf"expects \d+ policy observations but {pendulum}"):
        train(tiny_agent(pendulum), short_env(pendulum), task_id=pendulum,
              resume_from=cartpole_run.run_dir / "model_2.pt")


@pytest.mark.parametrize("with_critic", [False, True])
def test_critic_reads_critic_group_or_falls_back_to_policy(train, tiny_agent, short_env,
                                                           with_critic) -> None:
    env_cfg = short_env()
    env_cfg.observations.pop("critic", None)
    if with_critic:  # privileged critic: the policy terms plus a duplicate velocity term
        policy = env_cfg.observations["policy"]
        terms = {**policy.terms, "extra": next(iter(policy.terms.values()))}
        env_cfg.observations["critic"] = type(policy)(terms=terms, enable_noise=False)
    agent_cfg = tiny_agent()
    agent_cfg.max_iterations = 1
    ctx = train(agent_cfg, env_cfg)
    dims = ctx.env.observation_dims
    assert ("critic" in dims) == with_critic
    saved = torch.load(ctx.run_dir / "model_0.pt", weights_only=False)
    critic_in = saved["critic_state_dict"]["mlp.0.weight"].shape[1]
    assert critic_in == dims["critic" if with_critic else "policy"]
    assert saved["actor_state_dict"]["mlp.0.weight"].shape[1] == dims["policy"]
    if with_critic:
        assert dims["critic"] > dims["policy"]


@pytest.mark.parametrize(("stop", "error"), [(press_ctrl_c, KeyboardInterrupt),
                                             (crash, RuntimeError)])
def test_interrupted_training_leaves_final_checkpoint(train, tiny_agent, tmp_path, stop,
                                                      error) -> None:
    agent_cfg = tiny_agent()
    agent_cfg.max_iterations = 10
    progress = StopAt(1, stop)
    with pytest.raises(error):
        train(agent_cfg, progress=progress)
    run_dir = tmp_path / "run0"  # where the train fixture put its first run
    assert checkpoints(run_dir) == ["model_0.pt", "model_1.pt"]
    assert torch.load(run_dir / "model_1.pt", weights_only=False)["iter"] == 1
    steps = 8 * agent_cfg.steps_per_iteration
    assert metric_steps(run_dir)["Perf/steps_per_s"] == [steps, 2 * steps]


def test_validate_rejects_unsplittable_rollout(tiny_agent, short_env) -> None:
    agent_cfg = tiny_agent()
    agent_cfg.steps_per_iteration = 1
    agent_cfg.algorithm.num_mini_batches = 16
    env = ManagerBasedRlEnv(short_env(num_envs=4), device=DEVICE)
    try:
        with pytest.raises(GenelabError, match="4 envs x 1 steps cannot be split into 16"):
            RslRlBackend().validate(agent_cfg, env)
    finally:
        env.close()


def test_validate_wants_one_gpu_per_rank_on_cuda_and_accepts_cpu_ranks(
        tiny_agent, short_env, monkeypatch) -> None:
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("LOCAL_RANK", "1")
    env = ManagerBasedRlEnv(short_env(num_envs=4), device=DEVICE)
    try:
        RslRlBackend().validate(tiny_agent(), env)  # CPU ranks train over gloo
        # the same env as rank 1 would see it on a GPU machine (no GPU here to build one)
        on_gpu = SimpleNamespace(device=torch.device("cuda:0"), num_envs=env.num_envs,
                                 observation_dims=env.observation_dims)
        with pytest.raises(GenelabError, match="needs device cuda:1, got cuda:0"):
            RslRlBackend().validate(tiny_agent(), on_gpu)
    finally:
        env.close()
