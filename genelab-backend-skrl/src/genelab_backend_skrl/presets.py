"""Agent configs tuned for the built-in tasks on CPU (small nets, short budgets).

``genelab_backend_skrl.plugin`` offers them for the built-in tasks (``genelab_presets``, by
lazy reference); this module imports neither torch nor skrl.
"""

from __future__ import annotations

from genelab_backend_skrl.config import (
    SkrlA2cCfg,
    SkrlAgentCfg,
    SkrlDdpgCfg,
    SkrlMlpCfg,
    SkrlModelsCfg,
    SkrlPolicyCfg,
    SkrlPpoCfg,
    SkrlSacCfg,
    SkrlTd3Cfg,
)


def cartpole_ppo() -> SkrlAgentCfg:
    """PPO for GeneLab-Cartpole-v0 (64 envs): full-length episodes within the budget."""
    return SkrlAgentCfg(
        experiment_name="cartpole_ppo", algorithm="PPO", max_iterations=60,
        steps_per_iteration=32, save_interval=20,
        models=SkrlModelsCfg(policy=SkrlPolicyCfg(hidden_dims=[64, 64]),
                             critic=SkrlMlpCfg(hidden_dims=[64, 64])),
        ppo=SkrlPpoCfg(learning_epochs=5, mini_batches=4, learning_rate=1.0e-3,
                       kl_adaptive_lr=True, entropy_loss_scale=0.0),
    )


def cartpole_a2c() -> SkrlAgentCfg:
    """A2C for GeneLab-Cartpole-v0 (64 envs)."""
    return SkrlAgentCfg(
        experiment_name="cartpole_a2c", algorithm="A2C", max_iterations=300,
        steps_per_iteration=16, save_interval=100,
        models=SkrlModelsCfg(policy=SkrlPolicyCfg(hidden_dims=[64, 64]),
                             critic=SkrlMlpCfg(hidden_dims=[64, 64])),
        a2c=SkrlA2cCfg(mini_batches=1, learning_rate=1.0e-3),
    )


def _pendulum(algorithm: str, experiment: str, max_iterations: int, **hyper: object
              ) -> SkrlAgentCfg:
    """Off-policy agent for GeneLab-Pendulum-v0 (16 envs, 200-step episodes).

    One iteration is 20 vectorized steps (320 transitions) with 4 gradient steps each.
    """
    squash = algorithm == "SAC"
    return SkrlAgentCfg(
        experiment_name=experiment, algorithm=algorithm, max_iterations=max_iterations,
        steps_per_iteration=20, save_interval=20, observation_normalization=False,
        models=SkrlModelsCfg(policy=SkrlPolicyCfg(hidden_dims=[64, 64], activation="relu",
                                                  squash_mean=squash),
                             critic=SkrlMlpCfg(hidden_dims=[64, 64], activation="relu")),
        **hyper,
    )


def pendulum_sac() -> SkrlAgentCfg:
    """SAC for GeneLab-Pendulum-v0: swings up and holds (greedy return about -135) in
    19,200 env steps, about 20 s on one CPU core."""
    return _pendulum("SAC", "pendulum_sac", 60, sac=SkrlSacCfg(
        gradient_steps=4, batch_size=256, learning_starts=50, actor_learning_rate=1.0e-3,
        critic_learning_rate=1.0e-3, entropy_learning_rate=1.0e-3))


def pendulum_td3() -> SkrlAgentCfg:
    """TD3 for GeneLab-Pendulum-v0 (delayed policy updates need a longer budget than SAC)."""
    return _pendulum("TD3", "pendulum_td3", 100, td3=SkrlTd3Cfg(
        gradient_steps=4, batch_size=256, learning_starts=50, exploration_noise_std=0.1))


def pendulum_ddpg() -> SkrlAgentCfg:
    """DDPG for GeneLab-Pendulum-v0."""
    return _pendulum("DDPG", "pendulum_ddpg", 60, ddpg=SkrlDdpgCfg(
        gradient_steps=4, batch_size=256, learning_starts=50, exploration_noise_std=0.1))


def _locomotion_ppo(experiment: str) -> SkrlAgentCfg:
    """PPO for the MuJoCo locomotion tasks of genelab-sim-mujoco (2x128 ELU)."""
    return SkrlAgentCfg(
        experiment_name=experiment, algorithm="PPO", max_iterations=300,
        steps_per_iteration=32, save_interval=50,
        models=SkrlModelsCfg(policy=SkrlPolicyCfg(hidden_dims=[128, 128]),
                             critic=SkrlMlpCfg(hidden_dims=[128, 128])),
        ppo=SkrlPpoCfg(learning_epochs=5, mini_batches=4, learning_rate=1.0e-3,
                       kl_adaptive_lr=True, entropy_loss_scale=0.0),
    )


def _locomotion_sac(experiment: str) -> SkrlAgentCfg:
    """SAC for the MuJoCo locomotion tasks (2x256 ReLU); one iteration is 4 vectorized
    steps followed by 16 gradient steps."""
    return SkrlAgentCfg(
        experiment_name=experiment, algorithm="SAC", max_iterations=2000,
        steps_per_iteration=4, save_interval=500, observation_normalization=False,
        models=SkrlModelsCfg(policy=SkrlPolicyCfg(hidden_dims=[256, 256], activation="relu",
                                                  squash_mean=True),
                             critic=SkrlMlpCfg(hidden_dims=[256, 256], activation="relu")),
        sac=SkrlSacCfg(gradient_steps=16, batch_size=256, learning_starts=1000,
                       actor_learning_rate=3.0e-4, critic_learning_rate=3.0e-4,
                       entropy_learning_rate=3.0e-4),
    )


def half_cheetah_ppo() -> SkrlAgentCfg:
    """PPO for GeneLab-HalfCheetah-v0."""
    return _locomotion_ppo("half_cheetah_ppo")


def half_cheetah_sac() -> SkrlAgentCfg:
    """SAC for GeneLab-HalfCheetah-v0."""
    return _locomotion_sac("half_cheetah_sac")


def hopper_ppo() -> SkrlAgentCfg:
    """PPO for GeneLab-Hopper-v0."""
    return _locomotion_ppo("hopper_ppo")


def hopper_sac() -> SkrlAgentCfg:
    """SAC for GeneLab-Hopper-v0."""
    return _locomotion_sac("hopper_sac")


def ant_ppo() -> SkrlAgentCfg:
    """PPO for GeneLab-Ant-v0."""
    return _locomotion_ppo("ant_ppo")


def ant_sac() -> SkrlAgentCfg:
    """SAC for GeneLab-Ant-v0."""
    return _locomotion_sac("ant_sac")
