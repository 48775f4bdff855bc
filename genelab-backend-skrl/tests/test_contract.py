"""The skrl backend passes GeneLab's backend conformance suite (on-policy and off-policy)."""

from genelab.testing import BackendContract

MODELS = ("--agent.models.policy.hidden_dims=[16]", "--agent.models.critic.hidden_dims=[16]")


class TestSkrlPpoContract(BackendContract):
    preset = "skrl_ppo"
    plugin_module = "genelab_backend_skrl.plugin"
    library_modules = ("skrl",)
    overrides = (*MODELS, "--agent.steps_per_iteration=8", "--agent.ppo.mini_batches=2")
    invalid_overrides = (*BackendContract.invalid_overrides, "--agent.ppo.mini_batches=1000")


class TestSkrlSacContract(BackendContract):
    preset = "skrl_sac"
    task = "GeneLab-Pendulum-v0"
    plugin_module = "genelab_backend_skrl.plugin"
    library_modules = ("skrl",)
    overrides = (*MODELS, "--agent.steps_per_iteration=10", "--agent.sac.learning_starts=15",
                 "--agent.sac.batch_size=32", "--agent.sac.gradient_steps=2")
    invalid_overrides = (*BackendContract.invalid_overrides, "--agent.sac.batch_size=0")
