"""Exact resume for every SB3 algorithm (+ HER, + VecNormalize): train N + resume M is
train N+M, bit for bit."""

from __future__ import annotations

import pytest
from genelab.testing import checkpoint_set, compare_split_training

SMALL = ("--agent.policy.net_arch=[16]", "--agent.save_interval=1")
OFF_POLICY = ("--agent.steps_per_iteration=10", "--agent.{0}.learning_starts=15",
              "--agent.{0}.batch_size=32", "--agent.{0}.gradient_steps=2")
CASES = {
    "ppo": ("GeneLab-Cartpole-v0", "sb3_ppo", ("--agent.steps_per_iteration=8",
                                              "--agent.ppo.batch_size=16")),
    "a2c": ("GeneLab-Cartpole-v0", "sb3_a2c", ("--agent.steps_per_iteration=8",)),
    **{name: ("GeneLab-Pendulum-v0", f"sb3_{name}", tuple(a.format(name) for a in OFF_POLICY))
       for name in ("sac", "td3", "ddpg")},
    "sac_her_normalized": ("GeneLab-Reach-v0", "sb3_sac_her", (
        "--agent.steps_per_iteration=55", "--agent.sac.learning_starts=200",
        "--agent.sac.batch_size=32", "--agent.sac.gradient_steps=2",
        "--agent.observation_normalization=true")),
    "ppo_normalized": ("GeneLab-Cartpole-v0", "sb3_ppo", (
        "--agent.steps_per_iteration=8", "--agent.ppo.batch_size=16",
        "--agent.observation_normalization=true")),
}


@pytest.mark.parametrize("case", list(CASES))
def test_resumed_model_matches_the_uninterrupted_run(tmp_path, case) -> None:
    task_id, preset, args = CASES[case]
    result = compare_split_training(tmp_path, task_id, preset=preset, args=(*SMALL, *args))
    compared = checkpoint_set(result.resumed)
    if preset != "sb3_ppo" and preset != "sb3_a2c":  # the replay buffer was compared too
        assert any(key.startswith("replay_buffer_N.pt:/arrays/") for key in compared)
    if case.endswith("normalized"):
        assert any("/normalizer/obs_rms/" in key for key in compared)
    assert result.whole.name == result.resumed.name
    assert result.compared > 20 and result.differences == []
    assert any('policy.pth' in k for k in result.learned)  # the resumed part trained


@pytest.mark.parametrize("case", ["ppo", "sac"])
def test_a_run_stopped_by_sigterm_continues_exactly(tmp_path, case) -> None:
    task_id, preset, args = CASES[case]
    result = compare_split_training(tmp_path, task_id, preset=preset, args=(*SMALL, *args),
                                    first=3, preempt=True)
    assert result.differences == [] and any("policy.pth" in k for k in result.learned)
