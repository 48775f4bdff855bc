"""Time-outs bootstrap from the final observation: values learned on a probe with known ones.

On the two-state probe (:mod:`genelab.testing.probes`) the state an episode is cut off
in is never the state its last action was taken in, so rsl_rl's own approximation
(``gamma * V(s_t)``) and the exact target (``gamma * V(s_T)``) lead to different values.
"""

from __future__ import annotations

import pytest
import torch
from genelab.envs import ManagerBasedRlEnv
from genelab.testing import suite_device
from genelab.testing.probes import two_state_probe_cfg, two_state_values
from genelab_backend_rslrl.config import RslRlOnPolicyRunnerCfg
from genelab_backend_rslrl.runner import GenelabOnPolicyRunner
from genelab_backend_rslrl.wrapper import RslRlVecEnvWrapper
from rsl_rl.runners import OnPolicyRunner
from tensordict import TensorDict

DEVICE = suite_device()

GAMMA = 0.9
STATES = {"policy": torch.tensor([[1.0, 0.0], [0.0, 1.0]])}  # X, Y


def _probe_agent() -> RslRlOnPolicyRunnerCfg:
    cfg = RslRlOnPolicyRunnerCfg(steps_per_iteration=16, max_iterations=60)
    cfg.actor.hidden_dims = [8]
    cfg.critic.hidden_dims = [16]
    cfg.algorithm.gamma = GAMMA
    cfg.algorithm.schedule = "fixed"
    cfg.algorithm.learning_rate = 3e-3
    return cfg


def _learned_values(runner_type: type[OnPolicyRunner]) -> list[float]:
    torch.manual_seed(0)
    env = ManagerBasedRlEnv(two_state_probe_cfg(num_envs=8, horizon=3), device=DEVICE)
    try:
        wrapper = RslRlVecEnvWrapper(env)
        cfg = _probe_agent()
        runner = runner_type(wrapper, cfg.to_rsl_rl_dict(wrapper.observation_groups),
                             log_dir=None, device=DEVICE)
        runner.learn(cfg.max_iterations)
        with torch.no_grad():
            return runner.alg.critic(TensorDict(STATES, batch_size=[2], device=DEVICE)).squeeze(1).tolist()
    finally:
        env.close()


@pytest.mark.learning
def test_learned_values_match_the_true_ones() -> None:
    true = two_state_values(GAMMA)
    learned = _learned_values(GenelabOnPolicyRunner)
    assert learned == pytest.approx(true, rel=0.02), (learned, true)


@pytest.mark.learning
def test_rsl_rl_own_bootstrap_misses_them() -> None:
    """The same run through rsl_rl's stock runner: the probe tells the two apart."""
    true = two_state_values(GAMMA)
    learned = _learned_values(OnPolicyRunner)
    assert all(abs(v - t) > 0.2 * abs(t) for v, t in zip(learned, true, strict=True)), (learned, true)
