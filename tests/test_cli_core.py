"""CLI behaviour users see that needs no trained agent: listing, plugins, errors."""

from __future__ import annotations

import re
import sys

BROKEN = {"fake_genelab_broken_plugin": "raise ImportError('needs libfoo.so')\n"}
MISSING_BACKEND_TASK = {
    "fake_genelab_task_plugin": """
        from dataclasses import dataclass
        from genelab import hookimpl
        from genelab.configs import TaskCfg, TaskSpec

        @dataclass
        class ToyEnv:
            num_envs: int = 2

        def make():
            return TaskCfg(id="Fake-Toy-v0", env=ToyEnv(), agent="absent_ppo",
                           agent_distribution="genelab-backend-absent")

        @hookimpl
        def genelab_tasks():
            return [TaskSpec("Fake-Toy-v0", make, "a task whose backend is not installed")]
    """
}


def test_version(genelab):
    result = genelab("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("genelab 0.")


def test_help_and_listing_import_no_torch(tmp_path):
    import subprocess

    for args in (["--help"], ["list", "backends"], ["list", "tasks"]):
        result = subprocess.run([sys.executable, "-X", "importtime", "-m", "genelab", *args],
                                capture_output=True, text=True, cwd=tmp_path)
        assert result.returncode == 0, result.stderr[-2000:]
        imported = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines()}
        assert not imported & {"torch", "rsl_rl", "skrl", "stable_baselines3", "gymnasium"}, args


def test_broken_plugin_is_listed_and_cli_keeps_working(genelab, plugin_site):
    env = plugin_site("fake-broken-backend", "3.1.4",
                      "[genelab.backends]\nbroken = fake_genelab_broken_plugin\n", BROKEN)
    result = genelab("list", "backends", env=env)
    assert result.returncode == 0, result.stderr
    failed = result.stdout.split("plugin failures (skipped):")[1]
    assert "fake-broken-backend 3.1.4" in failed and "ImportError: needs libfoo.so" in failed
    assert genelab("list", "tasks", env=env).returncode == 0
    plugins = genelab("list", "plugins", env=env)
    assert plugins.returncode == 0, plugins.stderr
    table = plugins.stdout.split("plugin failures")[0]
    assert re.search(r"genelab.tasks +builtin = genelab.tasks.plugin +genelab-core +\S+ +\d+ ms +3 tasks",
                     table), table
    assert re.search(r"genelab-backend-rslrl .* ms +backend rsl_rl; \d+ presets", table), table
    failures = plugins.stdout.split("plugin failures (skipped):")[1]
    assert "fake-broken-backend 3.1.4" in failures and "Traceback" not in failures
    verbose = genelab("list", "plugins", "--verbose", env=env).stdout
    assert "Traceback (most recent call last)" in verbose
    assert "raise ImportError('needs libfoo.so')" in verbose


def test_plugin_importing_torch_at_load_is_flagged(genelab, plugin_site):
    env = plugin_site("fake-heavy", "0.9", "[genelab.tasks]\nheavy = fake_genelab_heavy\n",
                      {"fake_genelab_heavy": "import torch\nfrom genelab import hookimpl\n\n"
                                             "@hookimpl\ndef genelab_tasks():\n    return []\n"})
    result = genelab("list", "plugins", env=env)
    assert result.returncode == 0, result.stderr
    flagged = result.stdout.split("slow plugins")[1]
    assert re.search(r"fake-heavy \(heavy = fake_genelab_heavy\): imports torch at load", flagged)


def test_strict_plugins_turns_a_broken_plugin_into_an_error(genelab, plugin_site, assert_one_line_error):
    env = plugin_site("fake-broken-backend", "3.1.4",
                      "[genelab.backends]\nbroken = fake_genelab_broken_plugin\n", BROKEN)
    result = genelab("list", "backends", env={**env, "GENELAB_STRICT_PLUGINS": "1"})
    assert_one_line_error(result, "fake-broken-backend 3.1.4", "needs libfoo.so")


def test_unknown_task_suggests_close_ids(genelab, plugin_site, assert_one_line_error):
    env = plugin_site("fake-tasks", "1.0", "[genelab.tasks]\ntoy = fake_genelab_task_plugin\n",
                      MISSING_BACKEND_TASK)
    result = genelab("train", "Fake-Toy-v1", env=env)
    assert_one_line_error(result, "unknown task 'Fake-Toy-v1'", "Did you mean: Fake-Toy-v0")


def test_missing_backend_prints_pip_line_and_writes_nothing(
    genelab, plugin_site, tmp_path, assert_one_line_error
):
    env = plugin_site("fake-tasks", "1.0", "[genelab.tasks]\ntoy = fake_genelab_task_plugin\n",
                      MISSING_BACKEND_TASK)
    result = genelab("train", "Fake-Toy-v0", env=env)
    assert_one_line_error(result, "pip install genelab-backend-absent")
    assert not (tmp_path / "logs").exists()


def test_list_tasks_keyword(genelab, plugin_site):
    env = plugin_site("fake-tasks", "1.0", "[genelab.tasks]\ntoy = fake_genelab_task_plugin\n",
                      MISSING_BACKEND_TASK)
    result = genelab("list", "tasks", "--keyword", "toy", env=env)
    assert result.returncode == 0
    assert result.stdout.split()[0] == "Fake-Toy-v0"
    assert "GeneLab-Cartpole-v0" not in result.stdout
