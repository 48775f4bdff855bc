"""The rsl_rl backend passes GeneLab's backend conformance suite."""

from genelab.testing import BackendContract


class TestRslRlContract(BackendContract):
    preset = "rsl_rl_ppo"
    plugin_module = "genelab_backend_rslrl.plugin"
    library_modules = ("rsl_rl",)
    overrides = ("--agent.steps_per_iteration=8", "--agent.actor.hidden_dims=[16]",
                 "--agent.critic.hidden_dims=[16]", "--agent.algorithm.num_learning_epochs=1")
    invalid_overrides = (*BackendContract.invalid_overrides,
                         "--agent.algorithm.num_mini_batches=1000",  # more than the rollout
                         "--agent.actor.activation=sigmoidal")
