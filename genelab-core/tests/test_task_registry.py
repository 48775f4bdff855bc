"""TASKS: registration through the genelab_tasks hook, presets through genelab_presets,
fresh configs, keyword filter, errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
from genelab import hookimpl
from genelab.configs import MissingBackendError, Preset, TaskCfg, TaskSpec
from genelab.errors import GenelabError
from genelab.plugins import get_host
from genelab.registry import TASKS, UnknownTaskError


@dataclass
class Env:
    num_envs: int = 4
    gains: list[float] = field(default_factory=lambda: [1.0])


def make_toy() -> TaskCfg:
    return TaskCfg(id="Test-Toy-v0", env=Env(), agent="toy",
                   presets={"toy": "genelab_backend_absent.presets:toy",
                            "other": "genelab.registry:TASKS"}, description="a toy task")


@dataclass
class Agent:
    width: int = 8


@pytest.fixture
def toy_plugin(register_plugin):
    specs = [TaskSpec("Test-Toy-v0", make_toy, "a toy task", ("toy", "demo")),
             TaskSpec("Test-Other-v0", "genelab.registry:TASKS", "another")]
    register_plugin(SimpleNamespace(genelab_tasks=hookimpl(lambda: specs)), name="toy-tasks")


def test_get_returns_a_fresh_config(toy_plugin):
    first = TASKS.get("Test-Toy-v0")
    first.env.gains.append(2.0)
    assert TASKS.get("Test-Toy-v0").env.gains == [1.0]


def test_list_with_keyword(toy_plugin):
    ids = [s.id for s in TASKS.list("toy")]
    assert ids == ["Test-Toy-v0"]
    assert [s.id for s in TASKS.list("DEMO")] == ["Test-Toy-v0"]
    assert {"Test-Toy-v0", "Test-Other-v0"} <= {s.id for s in TASKS.list()}


def test_unknown_task_suggests_close_ids(toy_plugin):
    with pytest.raises(UnknownTaskError, match="unknown task 'Test-Toy-v1'.*Did you mean: Test-Toy-v0"):
        TASKS.get("Test-Toy-v1")


def test_lazy_agent_of_missing_backend_names_the_package(toy_plugin):
    with pytest.raises(MissingBackendError, match="pip install genelab-backend-absent"):
        TASKS.get("Test-Toy-v0").agent_cfg()


def test_reference_into_a_module_with_a_missing_import_names_the_package(tmp_path, monkeypatch):
    (tmp_path / "fake_genelab_half_installed.py").write_text("import genelab_lib_absent\n")
    (tmp_path / "fake_genelab_broken.py").write_text("raise ValueError('bad config module')\n")
    monkeypatch.syspath_prepend(tmp_path)
    task = TaskCfg(id="T", env=Env(), agent="a", presets={
        "a": "fake_genelab_half_installed:cfg", "b": "fake_genelab_broken:cfg"})
    with pytest.raises(MissingBackendError, match=r"needs the 'genelab-lib-absent' package "
                                                  r"\(imported by fake_genelab_half_installed\)"):
        task.agent_cfg()
    with pytest.raises(GenelabError, match="cannot import 'fake_genelab_broken:cfg': "
                                           "ValueError: bad config module"):
        task.agent_cfg("b")


def test_missing_default_preset_names_its_distribution():
    task = TaskCfg(id="T", env=Env(), agent="lib_ppo", agent_distribution="genelab-backend-lib",
                   presets={"other_sac": Agent})
    with pytest.raises(MissingBackendError,
                       match=r"default preset 'lib_ppo' of task 'T' needs the 'genelab-backend-lib'"
                             r" package \(presets: other_sac; or pick one with --preset\); "
                             r"install it with: pip install genelab-backend-lib"):
        task.agent_cfg()
    assert task.agent_cfg("other_sac") == Agent()


def test_plugins_offer_presets_for_any_task(toy_plugin, register_plugin):
    offers = [Preset("Test-Toy-v0", "mine", Agent, "my own algorithm"),
              Preset("GeneLab-Cartpole-v0", "mine", lambda: Agent(width=3)),
              Preset("Not-Installed-v0", "mine", Agent)]  # ignored: no such task here
    register_plugin(SimpleNamespace(genelab_presets=hookimpl(lambda: offers)), name="offers")
    toy = TASKS.get("Test-Toy-v0")
    assert toy.agent_cfg("mine") == Agent() and toy.agent == "toy"
    assert TASKS.get("GeneLab-Cartpole-v0").agent_cfg("mine") == Agent(width=3)
    _, offered = TASKS.get_with_offers("Test-Toy-v0")
    assert list(offered) == ["toy", "other", "mine"]
    assert offered["mine"].preset.description == "my own algorithm"
    assert offered["mine"].distribution == "offers" and offered["toy"].distribution == "toy-tasks"


def test_conflicting_and_unnamed_presets_are_reported_and_skipped(toy_plugin, register_plugin):
    offers = [Preset("Test-Toy-v0", "toy", Agent), Preset("Test-Toy-v0", "../x", Agent),
              Preset("Test-Toy-v0", "fine", Agent)]
    register_plugin(SimpleNamespace(genelab_presets=hookimpl(lambda: offers)), name="clash")
    before = len(get_host().failures)
    _, offered = TASKS.get_with_offers("Test-Toy-v0")
    assert offered["toy"].distribution == "toy-tasks" and "fine" in offered and "../x" not in offered
    reasons = [f.reason for f in get_host().failures[before:]]
    assert any("preset 'toy' of Test-Toy-v0 is offered already by toy-tasks" in r for r in reasons)
    assert any("has no usable name (got '../x'" in r for r in reasons)


def test_a_task_whose_agent_is_not_a_preset_name_is_refused(register_plugin):
    task = TaskSpec("Test-Inline-v0", lambda: TaskCfg(id="Test-Inline-v0", env=Env(), agent=Agent()))
    register_plugin(SimpleNamespace(genelab_tasks=hookimpl(lambda: [task])), name="inline")
    with pytest.raises(GenelabError, match="agent must be the name of a preset"):
        TASKS.get("Test-Inline-v0")


def test_unknown_preset_lists_presets(toy_plugin):
    with pytest.raises(GenelabError, match=r"no preset 'oter' \(presets: other, toy\).*Did you mean: other"):
        TASKS.get("Test-Toy-v0").agent_cfg("oter")


def test_in_process_register_and_duplicates(toy_plugin):
    spec = TaskSpec("Test-Local-v0", make_toy)
    TASKS.register(spec)
    try:
        assert TASKS.spec("Test-Local-v0") is spec
        with pytest.raises(GenelabError, match="already registered"):
            TASKS.register(spec)
    finally:
        TASKS.unregister("Test-Local-v0")
