"""TASKS: registration through the genelab_tasks hook, fresh configs, keyword filter, errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
from genelab import hookimpl
from genelab.configs import MissingBackendError, TaskCfg, TaskSpec
from genelab.errors import GenelabError
from genelab.registry import TASKS, UnknownTaskError


@dataclass
class Env:
    num_envs: int = 4
    gains: list[float] = field(default_factory=lambda: [1.0])


def make_toy() -> TaskCfg:
    return TaskCfg(id="Test-Toy-v0", env=Env(), agent="genelab_backend_absent.presets:toy",
                   presets={"other": "genelab.registry:TASKS"}, description="a toy task")


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


def test_unknown_preset_lists_presets(toy_plugin):
    with pytest.raises(GenelabError, match=r"no preset 'oter' \(presets: other\).*Did you mean: other"):
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
