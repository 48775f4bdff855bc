"""Agent configs tuned for the built-in tasks on CPU (small nets, short budgets).

``genelab_backend_sb3.plugin`` offers them for the built-in tasks (``genelab_presets``, by
lazy reference); this module imports neither torch nor Stable-Baselines3.
"""

from __future__ import annotations

from genelab_backend_sb3.config import (
    Sb3A2cCfg,
    Sb3AgentCfg,
    Sb3DdpgCfg,
    Sb3HerCfg,
    Sb3PolicyCfg,
    Sb3PpoCfg,
    Sb3SacCfg,
    Sb3Td3Cfg,
)


def cartpole_ppo() -> Sb3AgentCfg:
    """PPO for GeneLab-Cartpole-v0 (64 envs x 32 steps = 2,048 samples per iteration):
    the greedy policy balances for the whole time limit with seeds 1-4 and 42."""
    return Sb3AgentCfg(
        experiment_name="cartpole_ppo", algorithm="PPO", max_iterations=80,
        steps_per_iteration=32, save_interval=20, policy=Sb3PolicyCfg(net_arch=[64, 64]),
        ppo=Sb3PpoCfg(learning_rate=1.0e-3, batch_size=512, n_epochs=10),
    )


def cartpole_a2c() -> Sb3AgentCfg:
    """A2C for GeneLab-Cartpole-v0 (64 envs)."""
    return Sb3AgentCfg(
        experiment_name="cartpole_a2c", algorithm="A2C", max_iterations=300,
        steps_per_iteration=8, save_interval=100, policy=Sb3PolicyCfg(net_arch=[64, 64]),
        a2c=Sb3A2cCfg(learning_rate=1.0e-3),
    )


def _pendulum(algorithm: str, max_iterations: int, **hyper: object) -> Sb3AgentCfg:
    """Off-policy agent for GeneLab-Pendulum-v0 (16 envs, 200-step episodes).

    One iteration is 20 vectorized steps (320 transitions) followed by 80 gradient steps.
    """
    return Sb3AgentCfg(
        experiment_name=f"pendulum_{algorithm.lower()}", algorithm=algorithm,
        max_iterations=max_iterations, steps_per_iteration=20, save_interval=20,
        policy=Sb3PolicyCfg(net_arch=[64, 64]), **hyper,
    )


def pendulum_sac() -> Sb3AgentCfg:
    """SAC for GeneLab-Pendulum-v0: swings up and holds (greedy return -128 to -163 with
    seeds 1-4) in 32,000 env steps."""
    return _pendulum("SAC", 100, sac=Sb3SacCfg(
        learning_rate=1.0e-3, buffer_size=100_000, learning_starts=800, gradient_steps=80))


def pendulum_td3() -> Sb3AgentCfg:
    """TD3 for GeneLab-Pendulum-v0."""
    return _pendulum("TD3", 80, td3=Sb3Td3Cfg(
        buffer_size=100_000, learning_starts=800, gradient_steps=80, action_noise_std=0.1))


def pendulum_ddpg() -> Sb3AgentCfg:
    """DDPG for GeneLab-Pendulum-v0."""
    return _pendulum("DDPG", 60, ddpg=Sb3DdpgCfg(
        buffer_size=100_000, learning_starts=800, gradient_steps=80, action_noise_std=0.1))


def reach_sac_her() -> Sb3AgentCfg:
    """SAC + HER for GeneLab-Reach-v0 (16 envs, 50-step episodes, sparse reward): reaches
    every goal with seeds 1-4 in 16,000 env steps."""
    return Sb3AgentCfg(
        experiment_name="reach_sac_her", algorithm="SAC", max_iterations=100,
        steps_per_iteration=10, save_interval=20, policy=Sb3PolicyCfg(net_arch=[64, 64]),
        sac=Sb3SacCfg(learning_rate=1.0e-3, buffer_size=100_000, learning_starts=800,
                      gradient_steps=40, gamma=0.95),
        her=Sb3HerCfg(enabled=True, n_sampled_goal=4, goal_selection_strategy="future"),
    )


def _locomotion_ppo(experiment: str) -> Sb3AgentCfg:
    """PPO for the MuJoCo locomotion tasks of genelab-sim-mujoco (2x128)."""
    return Sb3AgentCfg(
        experiment_name=experiment, algorithm="PPO", max_iterations=300,
        steps_per_iteration=32, save_interval=50, policy=Sb3PolicyCfg(net_arch=[128, 128]),
        ppo=Sb3PpoCfg(learning_rate=3.0e-4, batch_size=512, n_epochs=10),
    )


def _locomotion_sac(experiment: str) -> Sb3AgentCfg:
    """SAC for the MuJoCo locomotion tasks (2x256); one iteration is 4 vectorized steps
    followed by 16 gradient steps."""
    return Sb3AgentCfg(
        experiment_name=experiment, algorithm="SAC", max_iterations=2000,
        steps_per_iteration=4, save_interval=500, policy=Sb3PolicyCfg(net_arch=[256, 256]),
        sac=Sb3SacCfg(learning_rate=3.0e-4, buffer_size=300_000, learning_starts=1000,
                      gradient_steps=16),
    )


def half_cheetah_ppo() -> Sb3AgentCfg:
    """PPO for GeneLab-HalfCheetah-v0."""
    return _locomotion_ppo("half_cheetah_ppo")


def half_cheetah_sac() -> Sb3AgentCfg:
    """SAC for GeneLab-HalfCheetah-v0."""
    return _locomotion_sac("half_cheetah_sac")


def hopper_ppo() -> Sb3AgentCfg:
    """PPO for GeneLab-Hopper-v0."""
    return _locomotion_ppo("hopper_ppo")


def hopper_sac() -> Sb3AgentCfg:
    """SAC for GeneLab-Hopper-v0."""
    return _locomotion_sac("hopper_sac")


def ant_ppo() -> Sb3AgentCfg:
    """PPO for GeneLab-Ant-v0."""
    return _locomotion_ppo("ant_ppo")


def ant_sac() -> Sb3AgentCfg:
    """SAC for GeneLab-Ant-v0."""
    return _locomotion_sac("ant_sac")
