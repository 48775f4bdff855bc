"""The Stable-Baselines3 backend passes GeneLab's backend conformance suite (PPO, SAC + HER)."""

from genelab.testing import BackendContract


class TestSb3PpoContract(BackendContract):
    preset = "sb3_ppo"
    plugin_module = "genelab_backend_sb3.plugin"
    library_modules = ("stable_baselines3",)
    overrides = ("--agent.policy.net_arch=[16]", "--agent.steps_per_iteration=8",
                 "--agent.ppo.batch_size=16")
    invalid_overrides = (*BackendContract.invalid_overrides, "--agent.ppo.batch_size=1000")


class TestSb3HerContract(BackendContract):
    preset = "sb3_sac_her"
    task = "GeneLab-Reach-v0"
    plugin_module = "genelab_backend_sb3.plugin"
    library_modules = ("stable_baselines3",)
    overrides = ("--agent.policy.net_arch=[16]", "--agent.steps_per_iteration=55",
                 "--agent.sac.learning_starts=200", "--agent.sac.batch_size=32",
                 "--agent.sac.gradient_steps=1")
    invalid_overrides = (*BackendContract.invalid_overrides, "--agent.her.n_sampled_goal=0")
