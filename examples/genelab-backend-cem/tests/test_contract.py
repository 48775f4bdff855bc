"""The CEM backend passes GeneLab's backend conformance suite."""

from genelab.testing import BackendContract


class TestCemContract(BackendContract):
    preset = "cem"
    plugin_module = "genelab_backend_cem.plugin"
    overrides = ("--agent.population=2", "--agent.steps_per_iteration=8")  # 4 envs: 2 each
    invalid_overrides = (*BackendContract.invalid_overrides,
                         "--agent.population=3",  # 4 envs do not split over 3 candidates
                         "--agent.elite_fraction=0",
                         "--agent.min_std=1.0")  # above the preset's init_std
