"""What SB3 stores around episode ends when it collects through GenelabSb3VecEnv.

A 10-step time limit, random actions and tilted starts on Cartpole end episodes both
ways: falls (terminated) and time-outs (truncated). SB3's replay buffer must hold the true pre-reset
observation as ``next_obs`` of a finished episode and mark only time-outs as timeouts.
"""

from __future__ import annotations

import numpy as np
from genelab.envs import ManagerBasedRlEnv
from genelab.testing import suite_device
from genelab_backend_sb3.config import Sb3AgentCfg
from genelab_backend_sb3.models import build_model
from genelab_backend_sb3.vec_env import GenelabSb3VecEnv

DEVICE = suite_device()

STEPS = 60
HORIZON = 10


def test_replay_buffer_keeps_pre_reset_observations_and_time_outs(short_env) -> None:
    cfg_env = short_env(num_envs=8, horizon=HORIZON, seed=1)
    cfg_env.events["reset_state"].params["pos_range"][1] = (-0.19, 0.19)  # some fall soon
    env = ManagerBasedRlEnv(cfg_env, device=DEVICE)
    try:
        cfg = Sb3AgentCfg(algorithm="SAC", steps_per_iteration=STEPS)
        cfg.sac.learning_starts = 10**6  # random actions only; no update needed here
        model = build_model(cfg, GenelabSb3VecEnv(env), DEVICE)
        model.learn(STEPS * env.num_envs)
        buffer = model.replay_buffer
        obs, next_obs = buffer.observations[:STEPS], buffer.next_observations[:STEPS]
        dones, timeouts = buffer.dones[:STEPS].astype(bool), buffer.timeouts[:STEPS].astype(bool)
    finally:
        env.close()
    continuing = ~dones[:-1]
    # within an episode the next observation is the following step's observation
    np.testing.assert_array_equal(next_obs[:-1][continuing], obs[1:][continuing])
    # at an episode end it is the pre-reset observation, not the next episode's first one
    ended = dones[:-1]
    assert ended.sum() > 8
    assert not np.isclose(next_obs[:-1][ended], obs[1:][ended]).all(axis=-1).any()
    assert timeouts.any() and (dones & ~timeouts).any()  # both kinds of ends happened
    assert not (timeouts & ~dones).any()
    lengths = np.zeros(dones.shape[1], dtype=int)
    at_limit = 0
    for row in range(STEPS):  # only episodes that reached the limit can be time-outs
        lengths += 1
        assert not (timeouts[row] & (lengths != HORIZON)).any()
        at_limit += int((dones[row] & (lengths == HORIZON)).sum())
        lengths[dones[row]] = 0
    # a pole falling on the last step is a termination, so not every one is a time-out
    assert timeouts.sum() >= 0.9 * at_limit
