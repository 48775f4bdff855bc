"""PPO through GeneLab learns the closed-form values of the two-state probe
(:mod:`genelab.testing.probes`): SB3 bootstraps a time-out from the adapter's
``terminal_observation``, which must be the pre-reset final observation."""

from __future__ import annotations

import pytest
import torch
from genelab.envs import ManagerBasedRlEnv
from genelab.testing import suite_device
from genelab.testing.probes import two_state_probe_cfg, two_state_values
from genelab_backend_sb3.models import build_model, training_env

DEVICE = suite_device()
GAMMA = 0.9


@pytest.mark.learning
def test_ppo_learns_the_true_values(tiny_agent) -> None:
    cfg = tiny_agent("PPO")
    cfg.observation_normalization = False  # the one-hot states are the critic's inputs
    cfg.steps_per_iteration = 16
    cfg.policy.net_arch = [16]
    hyper = cfg.hyperparameters
    hyper.gamma, hyper.learning_rate, hyper.batch_size, hyper.n_epochs = GAMMA, 3e-3, 32, 4
    env = ManagerBasedRlEnv(two_state_probe_cfg(num_envs=8, horizon=3), device=DEVICE)
    try:
        model = build_model(cfg, training_env(cfg, env), DEVICE)
        model.learn(60 * cfg.steps_per_iteration * env.num_envs)
        with torch.no_grad():
            states = torch.eye(2, device=model.device)  # X, Y
            learned = model.policy.predict_values(states).squeeze(1).tolist()
    finally:
        env.close()
    assert learned == pytest.approx(two_state_values(GAMMA), rel=0.02), learned
