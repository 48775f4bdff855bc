"""Exact resume: train N + resume M is train N+M, bit for bit, through the dispatcher."""

from __future__ import annotations

from genelab.testing import compare_split_training

SMALL = ("--agent.steps_per_iteration=8", "--agent.actor.hidden_dims=[16]",
         "--agent.critic.hidden_dims=[16]", "--agent.save_interval=1")


def test_resumed_ppo_matches_the_uninterrupted_run(tmp_path) -> None:
    result = compare_split_training(tmp_path, "GeneLab-Cartpole-v0", args=SMALL, first=2,
                                    then=3)
    assert result.whole.name == result.resumed.name == "model_4.pt"
    assert result.compared > 30 and result.differences == []
    assert any('actor_state_dict' in k for k in result.learned)  # the resumed part trained


def test_the_comparison_sees_a_continuation_that_is_not_exact(tmp_path) -> None:
    # another seed for the resumed part: the same weights, optimizer and env steps, but
    # other random numbers from then on
    result = compare_split_training(tmp_path, "GeneLab-Cartpole-v0", args=SMALL, first=2,
                                    then=1, resume_args=("--agent.seed=4",))
    assert any("actor_state_dict" in key for key in result.differences)
    assert any("snapshot/rng" in key for key in result.differences)
