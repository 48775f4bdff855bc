"""The task registry: ``TASKS.get(task_id)`` returns a fresh :class:`~genelab.configs.TaskCfg`
with every installed plugin's presets for it."""

from __future__ import annotations

from dataclasses import dataclass

from genelab.configs import Preset, TaskCfg, TaskSpec
from genelab.constraints import plugin_name
from genelab.errors import GenelabError, did_you_mean
from genelab.plugins import call_each, get_host


class UnknownTaskError(GenelabError):
    """No task is registered under the requested id."""


@dataclass(frozen=True)
class OfferedPreset:
    """A preset of a task and the distribution that offers it."""

    preset: Preset
    distribution: str
    version: str = ""


class TaskRegistry:
    """Tasks registered in code plus those contributed by ``genelab_tasks`` hooks."""

    def __init__(self) -> None:
        self._local: dict[str, TaskSpec] = {}

    def register(self, spec: TaskSpec) -> None:
        """Register a task in-process (plugins use the ``genelab_tasks`` hook instead)."""
        if spec.id in self._all():
            raise GenelabError(f"task '{spec.id}' is already registered")
        self._local[spec.id] = spec

    def unregister(self, task_id: str) -> None:
        """Remove a task registered with :meth:`register`."""
        self._local.pop(task_id, None)

    def spec(self, task_id: str) -> TaskSpec:
        """The :class:`TaskSpec` of ``task_id``; unknown ids suggest close ones."""
        return _find(task_id, self._all())

    def get(self, task_id: str) -> TaskCfg:
        """A fresh :class:`TaskCfg` for ``task_id`` with every preset offered for it:
        mutate it freely."""
        return self.get_with_offers(task_id)[0]

    def get_with_offers(self, task_id: str) -> tuple[TaskCfg, dict[str, OfferedPreset]]:
        """:meth:`get` and who offers each of its presets: the task's own first, then each
        plugin's ``genelab_presets`` in load order. A name offered twice keeps the first
        offer; the later one is reported as a plugin failure."""
        specs, owners = self._collect()
        task = _find(task_id, specs).build()
        if task.agent is not None and not isinstance(task.agent, str):
            raise GenelabError(f"task '{task_id}': agent must be the name of a preset "
                               f"(got {type(task.agent).__name__}); offer the config as a preset")
        offered = {name: OfferedPreset(Preset(task_id, name, agent), *owners[task_id])
                   for name, agent in task.presets.items()}
        host = get_host()
        for plugin, presets in call_each(host, "genelab_presets", Preset):
            for preset in presets:
                if preset.task_id != task_id:
                    continue  # another task's (installed or not)
                if not plugin_name(preset.name):
                    host.report_plugin(plugin, "genelab_presets()",
                                       f"a preset of {task_id} has no usable name "
                                       f"(got {preset.name!r}; letters, digits, '-' and '_')")
                elif preset.name in offered:
                    host.report_plugin(plugin, "genelab_presets()",
                                       f"preset '{preset.name}' of {task_id} is offered "
                                       f"already by {offered[preset.name].distribution}")
                else:
                    offered[preset.name] = OfferedPreset(preset, *host.source_of(plugin))
                    task.presets[preset.name] = preset.agent
        return task, offered

    def list(self, keyword: str | None = None) -> list[TaskSpec]:
        """Registered tasks sorted by id, filtered by a case-insensitive keyword."""
        specs = sorted(self._all().values(), key=lambda s: s.id)
        if keyword:
            needle = keyword.lower()
            specs = [
                s for s in specs
                if needle in s.id.lower() or needle in s.description.lower()
                or any(needle in k.lower() for k in s.keywords)
            ]
        return specs

    def _all(self) -> dict[str, TaskSpec]:
        return self._collect()[0]

    def _collect(self) -> tuple[dict[str, TaskSpec], dict[str, tuple[str, str]]]:
        """Every plugin's tasks and the (distribution, version) of each; an id taken
        already (by an earlier plugin, or in-process) is reported and skipped."""
        host = get_host()
        specs: dict[str, TaskSpec] = dict(self._local)
        owners: dict[str, tuple[str, str]] = dict.fromkeys(self._local, ("this process", ""))
        for plugin, tasks in call_each(host, "genelab_tasks", TaskSpec):
            for spec in tasks:
                if not isinstance(spec.id, str) or not spec.id.strip():
                    host.report_plugin(plugin, "genelab_tasks()",
                                       f"a task has no id (got {spec.id!r})")
                elif spec.id in specs:
                    host.report_plugin(plugin, "genelab_tasks()",
                                       f"task id '{spec.id}' is already registered by "
                                       f"{owners[spec.id][0]}")
                else:
                    specs[spec.id], owners[spec.id] = spec, host.source_of(plugin)
        return specs, owners


def _find(task_id: str, specs: dict[str, TaskSpec]) -> TaskSpec:
    if task_id not in specs:
        raise UnknownTaskError(f"unknown task '{task_id}'." + did_you_mean(task_id, specs)
                               + " See: genelab list tasks")
    return specs[task_id]


#: The process-wide task registry.
TASKS = TaskRegistry()
