"""PPO through GeneLab learns the closed-form values of the two-state probe
(:mod:`genelab.testing.probes`): time-outs bootstrap from the final observation."""

from __future__ import annotations

import pytest
import torch
from genelab.envs import ManagerBasedRlEnv
from genelab.testing import quiet_progress, suite_device
from genelab.testing.probes import two_state_probe_cfg, two_state_values
from genelab_backend_skrl.agents import build_agent
from genelab_backend_skrl.trainer import GenelabSkrlTrainer
from genelab_backend_skrl.wrapper import GenelabSkrlWrapper

DEVICE = suite_device()
GAMMA = 0.9


@pytest.mark.learning
def test_ppo_learns_the_true_values(tiny_agent, tmp_path) -> None:
    cfg = tiny_agent("PPO")
    cfg.steps_per_iteration = 16
    cfg.models.critic.hidden_dims = [16]
    cfg.hyperparameters.discount_factor = GAMMA
    cfg.hyperparameters.learning_rate = 3e-3
    torch.manual_seed(0)
    env = ManagerBasedRlEnv(two_state_probe_cfg(num_envs=8, horizon=3), device=DEVICE)
    try:
        wrapper = GenelabSkrlWrapper(env)
        agent = build_agent(cfg, wrapper, DEVICE)
        trainer = GenelabSkrlTrainer(wrapper, agent, algorithm="PPO", steps_per_iteration=16,
                                     save_interval=1000, run_dir=tmp_path,
                                     progress=quiet_progress())
        trainer.train(60)
        states = torch.eye(2, device=DEVICE)  # X, Y
        with torch.no_grad():
            values, _ = agent.value.act({"observations": agent._observation_preprocessor(states)},
                                        role="value")
            learned = agent._value_preprocessor(values, inverse=True).squeeze(1).tolist()
    finally:
        env.close()
    assert learned == pytest.approx(two_state_values(GAMMA), rel=0.02), learned
