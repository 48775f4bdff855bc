"""Agent configs tuned for the built-in tasks on CPU (small nets, short rollouts).

``genelab_backend_rslrl.plugin`` offers them for the built-in tasks (``genelab_presets``, by
lazy reference); this module imports neither torch nor rsl_rl.
"""

from __future__ import annotations

from genelab_backend_rslrl.config import (
    RslRlActorCfg,
    RslRlGaussianDistributionCfg,
    RslRlMlpModelCfg,
    RslRlOnPolicyRunnerCfg,
    RslRlPpoAlgorithmCfg,
)


def _small_ppo(experiment: str, hidden: list[int], *, max_iterations: int, steps: int,
               init_std: float, entropy_coef: float, learning_rate: float,
               gamma: float = 0.99, obs_groups: dict[str, list[str]] | None = None
               ) -> RslRlOnPolicyRunnerCfg:
    cfg = RslRlOnPolicyRunnerCfg(
        experiment_name=experiment,
        max_iterations=max_iterations,
        steps_per_iteration=steps,
        save_interval=50,
        actor=RslRlActorCfg(hidden_dims=list(hidden), activation="elu", obs_normalization=True,
                            distribution_cfg=RslRlGaussianDistributionCfg(init_std=init_std)),
        critic=RslRlMlpModelCfg(hidden_dims=list(hidden), activation="elu",
                                obs_normalization=True),
        algorithm=RslRlPpoAlgorithmCfg(num_learning_epochs=5, num_mini_batches=4,
                                       entropy_coef=entropy_coef, learning_rate=learning_rate,
                                       gamma=gamma),
    )
    if obs_groups is not None:
        cfg.obs_groups = obs_groups
    return cfg


def cartpole_ppo() -> RslRlOnPolicyRunnerCfg:
    """PPO for GeneLab-Cartpole-v0: solved (full-length episodes) in well under a minute on CPU."""
    return _small_ppo("cartpole", [64, 64], max_iterations=150, steps=32, init_std=1.0,
                      entropy_coef=0.005, learning_rate=1.0e-3)


def pendulum_ppo() -> RslRlOnPolicyRunnerCfg:
    """PPO for GeneLab-Pendulum-v0 (swing-up needs more iterations than Cartpole)."""
    return _small_ppo("pendulum", [64, 64], max_iterations=150, steps=32, init_std=1.0,
                      entropy_coef=0.0, learning_rate=1.0e-3)


def reach_ppo() -> RslRlOnPolicyRunnerCfg:
    """PPO for GeneLab-Reach-v0: both networks also read the ``desired_goal`` group."""
    goal_conditioned = ["policy", "desired_goal"]
    return _small_ppo("reach", [64, 64], max_iterations=150, steps=24, init_std=1.0,
                      entropy_coef=0.005, learning_rate=1.0e-3,
                      obs_groups={"actor": goal_conditioned, "critic": list(goal_conditioned)})


def locomotion_ppo(experiment: str, *, max_iterations: int) -> RslRlOnPolicyRunnerCfg:
    """PPO for the MuJoCo locomotion tasks (genelab-sim-mujoco): 2x128 ELU, small initial
    action noise (std 0.135, rl-zoo's log std of -2), gamma 0.98 and lambda 0.92 (rl-zoo's
    HalfCheetah values), 5 epochs of 4 mini-batches at a fixed learning rate of 3e-4,
    unclipped value loss (returns are in the hundreds: clipping each value step to 0.2
    starves the critic), no entropy bonus. rsl_rl's adaptive schedule is off: with so
    little noise a tiny change of the mean is a large KL, and the schedule pinned the
    learning rate at its floor of 1e-5. HalfCheetah reaches a mean return of 1,500 in
    about 60-120 iterations (see benchmarks/)."""
    cfg = _small_ppo(experiment, [128, 128], max_iterations=max_iterations, steps=32,
                     init_std=0.135, entropy_coef=0.0, learning_rate=3.0e-4, gamma=0.98)
    cfg.algorithm.lam = 0.92
    cfg.algorithm.schedule = "fixed"
    cfg.algorithm.use_clipped_value_loss = False
    return cfg


def half_cheetah_ppo() -> RslRlOnPolicyRunnerCfg:
    """PPO for GeneLab-HalfCheetah-v0."""
    return locomotion_ppo("half_cheetah", max_iterations=300)


def hopper_ppo() -> RslRlOnPolicyRunnerCfg:
    """PPO for GeneLab-Hopper-v0."""
    return locomotion_ppo("hopper", max_iterations=300)


def ant_ppo() -> RslRlOnPolicyRunnerCfg:
    """PPO for GeneLab-Ant-v0."""
    return locomotion_ppo("ant", max_iterations=300)
