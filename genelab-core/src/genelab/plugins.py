"""Plugin discovery: entry points loaded one at a time, failures reported and skipped.

Whatever a plugin does wrong (an import that raises or calls ``sys.exit``, a hook that
raises or returns something else than a list of the hook's kind, an id or name another
plugin already registered) is a :class:`PluginFailure`: it names the distribution, is
printed once as a ``warning:`` line on stderr (the ``genelab list`` commands show the
whole list instead), and the offending part is skipped. ``GENELAB_STRICT_PLUGINS=1``
turns every failure into an error.
"""

from __future__ import annotations

import importlib
import os
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import metadata
from types import ModuleType

import pluggy

from genelab import hookspecs
from genelab.errors import PluginError

GROUPS = ("genelab.engines", "genelab.tasks", "genelab.backends")
CORE_DISTRIBUTION = "genelab-core"
STRICT_ENV = "GENELAB_STRICT_PLUGINS"
#: A plugin module whose import takes longer than this is flagged by ``genelab list plugins``.
SLOW_IMPORT_SECONDS = 0.2
#: Modules a plugin module must not import at load time (import them in train / play).
HEAVY_MODULES = ("torch",)


@dataclass(frozen=True)
class PluginFailure:
    """A plugin that could not be loaded or whose hook raised.

    ``details`` holds the traceback (``genelab list plugins --verbose`` shows it).
    """

    distribution: str
    version: str
    entry_point: str
    reason: str
    details: str = field(default="", compare=False)

    def __str__(self) -> str:
        version = f" {self.version}" if self.version else ""
        return f"{self.distribution}{version} ({self.entry_point}): {self.reason}"


@dataclass(frozen=True)
class PluginLoad:
    """How one entry point loaded: its time and what its import pulled in.

    Attributes:
        group: The entry-point group (``genelab.backends``, ``genelab.tasks``).
        entry_point: The entry point's name and value (``rslrl = genelab_backend_rslrl.plugin``).
        seconds: Wall time of the import.
        heavy_imports: Modules of :data:`HEAVY_MODULES` (torch) first imported by it.
    """

    group: str
    entry_point: str
    seconds: float
    heavy_imports: tuple[str, ...] = ()

    def flags(self) -> list[str]:
        """What is wrong with the load: a slow import, torch imported at load time."""
        found = [f"imports {name} at load" for name in self.heavy_imports]
        if self.seconds > SLOW_IMPORT_SECONDS:
            found.append(f"slow import ({self.seconds:.2f} s)")
        return found


@dataclass
class PluginHost:
    """The plugin manager plus what each plugin came from, how it loaded and what failed."""

    manager: pluggy.PluginManager
    sources: dict[str, tuple[str, str]]  # "<dist>:<group>:<name>" -> (distribution, version)
    failures: list[PluginFailure]
    announce: Callable[[PluginFailure], None] | None = field(default=None, repr=False)
    loads: dict[str, PluginLoad] = field(default_factory=dict)  # same keys as ``sources``

    def source_of(self, plugin: object) -> tuple[str, str]:
        """(distribution, version) of a plugin; an in-process plugin gives its own name."""
        name = self.manager.get_name(plugin) or "in-process"
        return self.sources.get(name, (name, ""))

    def report(self, failure: PluginFailure, error: BaseException | None = None) -> None:
        """Record a failure (announced once), or raise it when strict mode is on."""
        if strict():
            raise PluginError(str(failure)) from error
        if failure not in self.failures:
            self.failures.append(failure)
            if self.announce is not None:
                self.announce(failure)

    def report_plugin(self, plugin: object, what: str, reason: str,
                      error: BaseException | None = None) -> None:
        """Record a failure of a loaded ``plugin`` (``what``: which hook or item)."""
        dist, version = self.source_of(plugin)
        name = self.manager.get_name(plugin) or "in-process"
        entry_point = name.split(":", 1)[1] if name in self.sources else name
        self.report(PluginFailure(dist, version, f"{entry_point} {what}", reason,
                                  _traceback(error)), error)


def strict() -> bool:
    """Whether ``GENELAB_STRICT_PLUGINS`` asks for plugin errors to be raised."""
    return os.environ.get(STRICT_ENV, "").strip().lower() in {"1", "true", "yes"}


def _warn(failure: PluginFailure) -> None:
    print(f"warning: plugin {failure} (skipped)", file=sys.stderr)


#: Exceptions a plugin's code may raise that must not end the command: everything but
#: Ctrl-C (``SystemExit`` included: a plugin calling ``sys.exit`` is a broken plugin).
PLUGIN_ERRORS = (Exception, SystemExit)


def _traceback(error: BaseException | None) -> str:
    return "".join(traceback.format_exception(error)) if error is not None else ""


def one_line(error: BaseException) -> str:
    """``ErrorType: first line of the message``."""
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__


def _entry_points() -> list[tuple[str, metadata.EntryPoint]]:
    """Every entry point of :data:`GROUPS` in load order: genelab-core's own first (its
    built-in task ids are never shadowed), then in ``sys.path`` order, the order Python
    imports in. Where two plugins register one task id or backend name, the earlier one
    keeps it."""
    seen: set[tuple[str, str, str]] = set()
    found = []
    for group in GROUPS:
        for ep in metadata.entry_points(group=group):
            key = (group, ep.name, ep.value)
            if key not in seen:  # editable installs and stray egg-info list some twice
                seen.add(key)
                found.append((group, ep))
    return sorted(found, key=lambda item: (item[1].dist is None
                                           or item[1].dist.name != CORE_DISTRIBUTION))


def _load(host: PluginHost, group: str, ep: metadata.EntryPoint) -> None:
    dist = ep.dist.name if ep.dist else "unknown"
    version = ep.dist.version if ep.dist else ""
    name = f"{dist}:{group}:{ep.name}"  # two distributions may use one entry point name
    if host.manager.has_plugin(name) or host.manager.is_blocked(name):
        return
    before = {m for m in HEAVY_MODULES if m in sys.modules}
    start = time.perf_counter()
    try:
        module = ep.load()
        if not isinstance(module, ModuleType):
            module = importlib.import_module(ep.module)
        if host.manager.get_name(module) is not None:
            return  # the same module under two entry point names
        seconds = time.perf_counter() - start
        host.manager.register(module, name=name)
    except PLUGIN_ERRORS as error:
        host.report(PluginFailure(dist, version, f"{group}:{ep.name}", one_line(error),
                                  _traceback(error)), error)
        return
    host.sources[name] = (dist, version)
    heavy = tuple(m for m in HEAVY_MODULES if m in sys.modules and m not in before)
    host.loads[name] = PluginLoad(group, f"{ep.name} = {ep.value}", seconds, heavy)
    if not host.manager.get_hookcallers(module):
        host.report(PluginFailure(dist, version, f"{group}:{ep.name}", _no_hookimpl(module)))


def _no_hookimpl(module: ModuleType) -> str:
    """Why a module registered nothing: hook-named functions without ``@hookimpl``."""
    unmarked = sorted(name for name in vars(module)
                      if name.startswith("genelab_") and callable(getattr(module, name)))
    if unmarked:
        return (f"{module.__name__} has no @hookimpl functions: decorate "
                f"{', '.join(unmarked)} with genelab.hookimpl")
    return f"{module.__name__} has no @hookimpl functions, so it registers nothing"


def make_host(announce: Callable[[PluginFailure], None] | None = None) -> PluginHost:
    """Build a plugin manager and load every installed plugin, one entry point at a time.

    ``announce`` is called once with each failure as it is found.
    """
    manager = pluggy.PluginManager(hookspecs.PROJECT)
    manager.add_hookspecs(hookspecs)
    host = PluginHost(manager, {}, [], announce)
    for group, ep in _entry_points():
        _load(host, group, ep)
    _report_unknown_hooks(host)
    return host


def _report_unknown_hooks(host: PluginHost) -> None:
    """A ``@hookimpl`` whose name is no hook (a typo) is reported with its plugin."""
    from genelab.errors import did_you_mean

    known = [name for name in vars(hookspecs) if name.startswith("genelab_")]
    for name, caller in vars(host.manager.hook).items():
        if name.startswith("_") or caller.has_spec():
            continue
        for impl in caller.get_hookimpls():
            if not impl.optionalhook:
                host.report_plugin(impl.plugin, f"{name}()", f"@hookimpl {name} matches no "
                                   f"GeneLab hook ({', '.join(known)})." + did_you_mean(name, known))


_show_failures = True


def announce_failures(show: bool) -> None:
    """Whether the process-wide host prints each failure as a ``warning:`` line (the
    ``genelab list`` commands turn it off: they list the failures themselves)."""
    global _show_failures
    _show_failures = show
    if get_host.cache_info().currsize:
        get_host().announce = _warn if show else None


@lru_cache(maxsize=1)
def get_host() -> PluginHost:
    """The process-wide plugin host, built on first use."""
    return make_host(_warn if _show_failures else None)


def call_each(host: PluginHost, hook_name: str, kind: type) -> list[tuple[object, list]]:
    """Call every implementation of a hook separately: (plugin, its ``kind`` items).

    An implementation that raises, returns something else than a list, or returns items
    that are not ``kind`` instances is reported with its distribution; what is wrong is
    skipped, so one broken plugin never hides the others.
    """
    results = []
    hook = getattr(host.manager.hook, hook_name)
    for impl in hook.get_hookimpls():  # registration order
        try:
            value = impl.function()
        except PLUGIN_ERRORS as error:
            host.report_plugin(impl.plugin, f"{hook_name}()", one_line(error), error)
            continue
        if value is None:
            value = []
        if not isinstance(value, (list, tuple)):
            host.report_plugin(impl.plugin, f"{hook_name}()",
                               f"returned {_short(value)}, not a list of {kind.__name__}")
            continue
        items = []
        for item in value:
            if isinstance(item, kind):
                items.append(item)
            else:
                host.report_plugin(impl.plugin, f"{hook_name}()",
                                   f"returned {_short(item)} in its list, not a {kind.__name__}")
        results.append((impl.plugin, items))
    return results


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
