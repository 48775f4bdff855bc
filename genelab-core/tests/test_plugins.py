"""Plugin discovery: one entry point at a time, failures reported, strict mode, duplicates."""

from __future__ import annotations

import pytest
from genelab.errors import PluginError
from genelab.plugins import make_host

BACKEND_PLUGIN = """
    from dataclasses import dataclass
    from genelab import hookimpl
    from genelab.rl import Backend, BackendConfig

    @dataclass
    class FakeCfg(BackendConfig):
        pass

    class FakeBackend(Backend):
        name = "fake"
        config_type = FakeCfg
        algorithms = ("FAKE",)
        def train(self, ctx): pass
        def inference_policy(self, ctx): pass

    @hookimpl
    def genelab_backends():
        return [FakeBackend()]
"""


def test_broken_entry_point_is_reported_and_skipped(fake_dist):
    fake_dist("fake-broken", "1.2.3",
                       "[genelab.backends]\nbroken = fake_genelab_broken\n",
                       {"fake_genelab_broken": "raise RuntimeError('boom at import')\n"})
    fake_dist("fake-good", "0.4", "[genelab.backends]\ngood = fake_genelab_good\n",
                       {"fake_genelab_good": BACKEND_PLUGIN})
    host = make_host()
    [failure] = [f for f in host.failures if f.distribution == "fake-broken"]
    assert failure.version == "1.2.3"
    assert failure.reason == "RuntimeError: boom at import"
    assert "fake-broken 1.2.3" in str(failure)
    names = [host.manager.get_name(p) for p in host.manager.get_plugins()]
    assert "fake-good:genelab.backends:good" in names
    assert "fake-broken:genelab.backends:broken" not in names


def test_strict_mode_reraises(fake_dist, monkeypatch):
    fake_dist("fake-broken", "1.0", "[genelab.tasks]\nbroken = fake_genelab_b2\n",
                       {"fake_genelab_b2": "import does_not_exist_anywhere\n"})
    monkeypatch.setenv("GENELAB_STRICT_PLUGINS", "1")
    with pytest.raises(PluginError, match="fake-broken 1.0.*ModuleNotFoundError"):
        make_host()


def test_failing_hook_is_reported_with_its_distribution(fake_dist):
    fake_dist("fake-hookfail", "2.0", "[genelab.tasks]\nx = fake_genelab_hook\n",
                       {"fake_genelab_hook": """
                            from genelab import hookimpl
                            @hookimpl
                            def genelab_tasks():
                                raise ValueError("bad task table")
                        """})
    from genelab.configs import TaskSpec
    from genelab.plugins import call_each

    host = make_host()
    results = call_each(host, "genelab_tasks", TaskSpec)
    assert all(host.manager.get_name(plugin) != "fake-hookfail:genelab.tasks:x" for plugin, _ in results)
    assert any(f.distribution == "fake-hookfail" and "ValueError: bad task table" in f.reason
               for f in host.failures)


def test_duplicate_entry_points_load_once(fake_dist):
    for site in ("site", "other_site"):
        fake_dist("fake-dup", "1.0", "[genelab.backends]\ndup = fake_genelab_dup\n",
                  {"fake_genelab_dup": BACKEND_PLUGIN}, site=site)
    host = make_host()
    names = [host.manager.get_name(p) for p in host.manager.get_plugins()]
    assert names.count("fake-dup:genelab.backends:dup") == 1
    assert not [f for f in host.failures if f.distribution == "fake-dup"]


def test_builtin_tasks_go_through_entry_points():
    host = make_host()
    dist, _ = host.sources["genelab-core:genelab.tasks:builtin"]
    assert dist == "genelab-core"


def test_misspelled_hookimpl_is_reported(fake_dist):
    fake_dist("fake-typo", "0.1", "[genelab.backends]\nt = fake_genelab_typo\n",
                       {"fake_genelab_typo": """
                            from genelab import hookimpl
                            @hookimpl
                            def genelab_backend():
                                return []
                        """})
    host = make_host()
    [failure] = [f for f in host.failures if f.distribution == "fake-typo"]
    assert failure.version == "0.1" and "t genelab_backend()" in failure.entry_point
    assert "matches no GeneLab hook" in failure.reason
    assert "Did you mean: genelab_backends" in failure.reason


def test_module_without_any_hookimpl_is_reported(fake_dist):
    fake_dist("fake-undecorated", "0.2", "[genelab.backends]\nu = fake_genelab_undecorated\n",
              {"fake_genelab_undecorated": "def genelab_backends():\n    return []\n"})
    host = make_host()
    [failure] = [f for f in host.failures if f.distribution == "fake-undecorated"]
    assert failure.reason == ("fake_genelab_undecorated has no @hookimpl functions: decorate "
                              "genelab_backends with genelab.hookimpl")


def test_strict_mode_raises_on_a_module_without_hookimpl(fake_dist, monkeypatch):
    fake_dist("fake-undecorated", "0.2", "[genelab.backends]\nu = fake_genelab_undecorated\n",
              {"fake_genelab_undecorated": "def genelab_backends():\n    return []\n"})
    monkeypatch.setenv("GENELAB_STRICT_PLUGINS", "1")
    with pytest.raises(PluginError, match="no @hookimpl functions"):
        make_host()


def test_load_records_time_and_heavy_imports(fake_dist):
    fake_dist("fake-good", "0.4", "[genelab.backends]\ngood = fake_genelab_good\n",
              {"fake_genelab_good": BACKEND_PLUGIN})
    host = make_host()
    load = host.loads["fake-good:genelab.backends:good"]
    assert load.group == "genelab.backends" and load.entry_point == "good = fake_genelab_good"
    assert 0 < load.seconds < 60
    assert load.heavy_imports == () or load.heavy_imports == ("torch",)  # torch may be loaded
    from genelab.plugins import PluginLoad

    slow = PluginLoad("genelab.backends", "x = y", 1.5, ("torch",))
    assert slow.flags() == ["imports torch at load", "slow import (1.50 s)"]
    assert PluginLoad("genelab.tasks", "x = y", 0.01).flags() == []


def test_plugin_calling_sys_exit_is_reported_not_fatal(fake_dist):
    fake_dist("fake-exit", "0.2", "[genelab.tasks]\ne = fake_genelab_exit\n",
              {"fake_genelab_exit": "import sys\nsys.exit(3)\n"})
    host = make_host()
    [failure] = [f for f in host.failures if f.distribution == "fake-exit"]
    assert failure.reason == "SystemExit: 3"


def test_malformed_hook_results_are_reported_and_the_good_items_kept(register_plugin):
    from types import SimpleNamespace

    from genelab import hookimpl
    from genelab.configs import TaskSpec
    from genelab.plugins import call_each, get_host

    good = TaskSpec("Fake-Good-v0", "genelab.tasks.cartpole:make_cartpole")
    register_plugin(SimpleNamespace(genelab_tasks=hookimpl(lambda: 42)), name="fake-number")
    register_plugin(SimpleNamespace(genelab_tasks=hookimpl(lambda: [object(), good])),
                    name="fake-mixed")
    results = [items for _, items in call_each(get_host(), "genelab_tasks", TaskSpec)]
    reasons = {f.distribution: f.reason for f in get_host().failures}
    assert reasons["fake-number"] == "returned 42, not a list of TaskSpec"
    assert reasons["fake-mixed"].startswith("returned <object object")
    assert [good] in results


def test_a_task_id_taken_already_is_reported_and_skipped(register_plugin):
    from types import SimpleNamespace

    from genelab import hookimpl
    from genelab.configs import TaskSpec
    from genelab.plugins import get_host
    from genelab.registry import TASKS

    impostor = TaskSpec("GeneLab-Cartpole-v0", "elsewhere:make", "an impostor")
    register_plugin(SimpleNamespace(genelab_tasks=hookimpl(lambda: [impostor])),
                    name="fake-impostor")
    assert TASKS.spec("GeneLab-Cartpole-v0") is not impostor
    [failure] = [f for f in get_host().failures if f.distribution == "fake-impostor"]
    assert "'GeneLab-Cartpole-v0' is already registered by genelab-core" in failure.reason


@pytest.mark.parametrize(("name", "reason"), [
    ("rsl_rl", "the name 'rsl_rl' is taken by genelab-backend-rslrl"),
    ("no/slash", "has no usable name"),
    (None, "has no usable name"),
])
def test_a_backend_with_a_taken_or_unusable_name_is_reported(register_plugin, name, reason):
    from dataclasses import dataclass
    from types import SimpleNamespace

    from genelab import hookimpl
    from genelab.plugins import get_host
    from genelab.rl import Backend, BackendConfig
    from genelab.rl.registry import registered_backends

    @dataclass
    class ClashCfg(BackendConfig):
        pass

    class Clash(Backend):
        config_type = ClashCfg

        def train(self, ctx): ...

        def inference_policy(self, ctx): ...

    Clash.name = name
    register_plugin(SimpleNamespace(genelab_backends=hookimpl(lambda: [Clash()])),
                    name=f"fake-clash-{name}")
    assert ClashCfg not in registered_backends()
    [failure] = [f for f in get_host().failures if f.distribution == f"fake-clash-{name}"]
    assert reason in failure.reason


def test_two_distributions_may_use_one_entry_point_name(fake_dist):
    fake_dist("fake-one", "1.0", "[genelab.backends]\nbackend = fake_genelab_one\n",
              {"fake_genelab_one": BACKEND_PLUGIN})
    fake_dist("fake-two", "1.0", "[genelab.backends]\nbackend = fake_genelab_two\n",
              {"fake_genelab_two": BACKEND_PLUGIN.replace('"fake"', '"fake2"')})
    names = {make_host().manager.get_name(p) for p in make_host().manager.get_plugins()}
    assert {"fake-one:genelab.backends:backend", "fake-two:genelab.backends:backend"} <= names
