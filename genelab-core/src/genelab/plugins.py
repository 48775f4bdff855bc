"""Plugin discovery: entry points loaded one at a time, failures reported and skipped."""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from types import ModuleType

import pluggy

from genelab import hookspecs
from genelab.errors import PluginError

GROUPS = ("genelab.tasks", "genelab.backends")
STRICT_ENV = "GENELAB_STRICT_PLUGINS"


@dataclass(frozen=True)
class PluginFailure:
    """A plugin that could not be loaded or whose hook raised."""

    distribution: str
    version: str
    entry_point: str
    reason: str

    def __str__(self) -> str:
        return f"{self.distribution} {self.version} ({self.entry_point}): {self.reason}"


@dataclass
class PluginHost:
    """The plugin manager plus what each plugin came from and what failed."""

    manager: pluggy.PluginManager
    sources: dict[str, tuple[str, str]]  # plugin name -> (distribution, version)
    failures: list[PluginFailure]

    def source_of(self, plugin: object) -> tuple[str, str]:
        """(distribution, version) of a plugin; an in-process plugin gives its own name."""
        name = self.manager.get_name(plugin) or "in-process"
        return self.sources.get(name, (name, ""))

    def report(self, failure: PluginFailure, error: BaseException) -> None:
        """Record a failure, or re-raise it when strict mode is on."""
        if strict():
            raise PluginError(str(failure)) from error
        if failure not in self.failures:
            self.failures.append(failure)


def strict() -> bool:
    """Whether ``GENELAB_STRICT_PLUGINS`` asks for plugin errors to be raised."""
    return os.environ.get(STRICT_ENV, "").strip().lower() in {"1", "true", "yes"}


def one_line(error: BaseException) -> str:
    """``ErrorType: first line of the message``."""
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__


def _entry_points() -> list[tuple[str, metadata.EntryPoint]]:
    seen: set[tuple[str, str, str]] = set()
    found = []
    for group in GROUPS:
        for ep in metadata.entry_points(group=group):
            key = (group, ep.name, ep.value)
            if key not in seen:  # editable installs and stray egg-info list some twice
                seen.add(key)
                found.append((group, ep))
    return found


def _load(host: PluginHost, group: str, ep: metadata.EntryPoint) -> None:
    dist = ep.dist.name if ep.dist else "unknown"
    version = ep.dist.version if ep.dist else ""
    name = f"{group}:{ep.name}"
    if host.manager.has_plugin(name) or host.manager.is_blocked(name):
        return
    try:
        module = ep.load()
        if not isinstance(module, ModuleType):
            module = importlib.import_module(ep.module)
        if host.manager.get_name(module) is not None:
            return  # the same module under two entry point names
        host.manager.register(module, name=name)
    except Exception as error:
        host.report(PluginFailure(dist, version, f"{group}:{ep.name}", one_line(error)), error)
        return
    host.sources[name] = (dist, version)


def make_host() -> PluginHost:
    """Build a plugin manager and load every installed plugin, one entry point at a time."""
    manager = pluggy.PluginManager(hookspecs.PROJECT)
    manager.add_hookspecs(hookspecs)
    host = PluginHost(manager, {}, [])
    for group, ep in _entry_points():
        _load(host, group, ep)
    try:
        manager.check_pending()
    except pluggy.PluginValidationError as error:
        host.report(PluginFailure("unknown", "", "hookimpl", one_line(error)), error)
    return host


@lru_cache(maxsize=1)
def get_host() -> PluginHost:
    """The process-wide plugin host, built on first use."""
    return make_host()


def call_each(host: PluginHost, hook_name: str) -> list[tuple[object, list]]:
    """Call every implementation of a hook separately: (plugin, results) for each.

    A failing implementation is reported with its distribution and skipped, so one
    broken plugin never hides the others.
    """
    results = []
    hook = getattr(host.manager.hook, hook_name)
    for impl in hook.get_hookimpls():  # registration order
        try:
            value = impl.function()
        except Exception as error:
            dist, version = host.source_of(impl.plugin)
            failure = PluginFailure(dist, version, f"{impl.plugin_name} {hook_name}()",
                                    one_line(error))
            host.report(failure, error)
            continue
        results.append((impl.plugin, list(value or [])))
    return results
