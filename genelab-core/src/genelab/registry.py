"""The task registry: ``TASKS.get(task_id)`` returns a fresh :class:`~genelab.configs.TaskCfg`."""

from __future__ import annotations

from genelab.configs import TaskCfg, TaskSpec
from genelab.errors import GenelabError, did_you_mean
from genelab.plugins import call_each, get_host


class UnknownTaskError(GenelabError):
    """No task is registered under the requested id."""


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
        specs = self._all()
        if task_id not in specs:
            raise UnknownTaskError(
                f"unknown task '{task_id}'." + did_you_mean(task_id, specs)
                + " See: genelab list tasks"
            )
        return specs[task_id]

    def get(self, task_id: str) -> TaskCfg:
        """A fresh :class:`TaskCfg` for ``task_id``: mutate it freely."""
        return self.spec(task_id).build()

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
        """Every plugin's tasks; an id taken already (by an earlier plugin, or in-process)
        is reported and skipped."""
        host = get_host()
        specs: dict[str, TaskSpec] = dict(self._local)
        owners: dict[str, str] = dict.fromkeys(self._local, "this process")
        for plugin, tasks in call_each(host, "genelab_tasks", TaskSpec):
            dist, _ = host.source_of(plugin)
            for spec in tasks:
                if not isinstance(spec.id, str) or not spec.id.strip():
                    host.report_plugin(plugin, "genelab_tasks()",
                                       f"a task has no id (got {spec.id!r})")
                elif spec.id in specs:
                    host.report_plugin(plugin, "genelab_tasks()",
                                       f"task id '{spec.id}' is already registered by "
                                       f"{owners[spec.id]}")
                else:
                    specs[spec.id], owners[spec.id] = spec, dist
        return specs


#: The process-wide task registry.
TASKS = TaskRegistry()
