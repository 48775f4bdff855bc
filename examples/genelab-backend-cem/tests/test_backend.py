"""What the conformance suite does not cover: the batched policy, the refit, validation
messages, checkpoints of another task, and an exact resume."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from genelab.rl import GenelabError, list_checkpoints
from genelab.testing import compare_split_training, play_context, short_env_cfg, train_backend
from genelab_backend_cem.backend import CemBackend
from genelab_backend_cem.config import CemCfg
from genelab_backend_cem.search import population_actions, refit, unpack

CARTPOLE = "GeneLab-Cartpole-v0"
PENDULUM = "GeneLab-Pendulum-v0"  # 3 policy observations where Cartpole has 4


def tiny() -> CemCfg:
    return CemCfg(population=4, steps_per_iteration=8, max_iterations=2, save_interval=1)


def test_batched_actions_match_each_envs_own_candidate() -> None:
    torch.manual_seed(0)
    obs_dim, action_dim, population, num_envs = 3, 2, 4, 8
    candidates = torch.randn(population, obs_dim * action_dim + action_dim)
    weights, bias = unpack(candidates[torch.arange(num_envs) % population], obs_dim, action_dim)
    obs = torch.randn(num_envs, obs_dim)
    actions = population_actions(obs, weights, bias)
    for env in range(num_envs):
        w, b = unpack(candidates[env % population], obs_dim, action_dim)
        assert torch.allclose(actions[env], torch.tanh(obs[env] @ w + b), atol=1e-6)


def test_refit_takes_the_elites_and_floors_the_std() -> None:
    candidates = torch.tensor([[0.0], [1.0], [2.0], [3.0]])
    fitness = torch.tensor([0.1, 0.9, 0.8, 0.2])
    mean, std, elites = refit(candidates, fitness, num_elites=2, min_std=0.1)
    assert sorted(elites.tolist()) == [1, 2]
    assert torch.allclose(mean, torch.tensor([1.5])) and torch.allclose(std, torch.tensor([0.5]))
    _, floored, _ = refit(candidates, fitness, num_elites=1, min_std=0.1)
    assert torch.allclose(floored, torch.tensor([0.1]))


def test_env_count_must_split_over_the_population(tmp_path: Path) -> None:
    cfg = tiny()
    cfg.population = 3
    with pytest.raises(GenelabError) as error:
        train_backend(CemBackend(), cfg, short_env_cfg(CARTPOLE, num_envs=8), tmp_path / "run",
                      task_id=CARTPOLE)
    message = str(error.value)
    assert "\n" not in message and "--num-envs" in message and "--agent.population" in message


def test_checkpoint_of_another_task_is_refused_in_one_line(tmp_path: Path) -> None:
    backend = CemBackend()
    train_backend(backend, tiny(), short_env_cfg(CARTPOLE, num_envs=8), tmp_path / "run",
                  task_id=CARTPOLE)
    checkpoint = list_checkpoints(tmp_path / "run", backend.checkpoint_pattern)[-1][1]
    play = play_context(tiny(), checkpoint, short_env_cfg(PENDULUM, num_envs=4), task_id=PENDULUM)
    try:
        with pytest.raises(GenelabError, match="expects 4 policy observations but "
                                               f"{PENDULUM} gives 3"):
            backend.inference_policy(play)
    finally:
        play.env.close()
    with pytest.raises(GenelabError, match="expects 4 policy observations"):
        train_backend(backend, tiny(), short_env_cfg(PENDULUM, num_envs=8), tmp_path / "again",
                      task_id=PENDULUM, resume_from=checkpoint)


def test_a_resumed_run_ends_where_an_uninterrupted_one_does(tmp_path: Path) -> None:
    result = compare_split_training(tmp_path, CARTPOLE, preset="cem", num_envs=4,
                                    args=("--agent.population=2", "--agent.steps_per_iteration=8"))
    assert not result.differences, result.differences
    assert any(key.endswith("/mean") for key in result.learned), result.learned
