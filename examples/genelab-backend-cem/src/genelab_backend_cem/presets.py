"""CEM agent configs for GeneLab-Cartpole-v0 and Example-PendulumBalance-v0 (no torch here).

``genelab_backend_cem.plugin`` offers them as the preset ``cem`` by lazy reference.
"""

from __future__ import annotations

from genelab_backend_cem.config import CemCfg


def cartpole_cem() -> CemCfg:
    """Cartpole (64 envs: 2 per candidate): full 250-step episodes in about two seconds.

    The std floor keeps the search exploring: with a low floor some seeds settle on a
    controller that drops the pole after ~40 steps.
    """
    return CemCfg(experiment_name="cartpole", max_iterations=40, steps_per_iteration=100,
                  save_interval=20, population=32, elite_fraction=0.25, init_std=0.5,
                  min_std=0.3)


def pendulum_balance_cem() -> CemCfg:
    """Example-PendulumBalance-v0 (32 envs: 2 per candidate): held up for the whole episode
    in about a second.

    Holding it needs large (saturating) gains; a wide initial search gets there quickly.
    """
    return CemCfg(experiment_name="pendulum_balance", max_iterations=30,
                  steps_per_iteration=100, save_interval=10, population=16, elite_fraction=0.25,
                  init_std=2.0, min_std=0.5)
