"""Exact resume for every skrl algorithm: train N + resume M is train N+M, bit for bit."""

from __future__ import annotations

import pytest
from genelab.testing import compare_split_training

MODELS = ("--agent.models.policy.hidden_dims=[16]", "--agent.models.critic.hidden_dims=[16]",
          "--agent.save_interval=1")
CASES = {
    "skrl_ppo": ("GeneLab-Cartpole-v0", ("--agent.steps_per_iteration=8",
                                          "--agent.ppo.mini_batches=2")),
    "skrl_a2c": ("GeneLab-Cartpole-v0", ("--agent.steps_per_iteration=8",)),
    **{f"skrl_{name}": ("GeneLab-Pendulum-v0", (
        "--agent.steps_per_iteration=10", f"--agent.{name}.learning_starts=15",
        f"--agent.{name}.batch_size=32", f"--agent.{name}.gradient_steps=2"))
       for name in ("sac", "td3", "ddpg")},
}


@pytest.mark.parametrize("preset", list(CASES))
def test_resumed_agent_matches_the_uninterrupted_run(tmp_path, preset) -> None:
    task_id, args = CASES[preset]
    result = compare_split_training(tmp_path, task_id, preset=preset, args=(*MODELS, *args))
    assert result.whole.name == result.resumed.name
    assert result.compared > 20 and result.differences == []
    assert any('policy/' in k for k in result.learned)  # the resumed part trained
    if not preset.endswith(("ppo", "a2c")):  # the replay memory was compared too
        assert (result.resumed.parent / result.resumed.name.replace("agent_", "memory_")).exists()


@pytest.mark.parametrize("preset", ["skrl_ppo", "skrl_sac"])
def test_a_run_stopped_by_sigterm_continues_exactly(tmp_path, preset) -> None:
    task_id, args = CASES[preset]
    result = compare_split_training(tmp_path, task_id, preset=preset, args=(*MODELS, *args),
                                    first=3, preempt=True)
    assert result.differences == [] and any("policy/" in k for k in result.learned)
