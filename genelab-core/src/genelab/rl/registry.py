"""The typed backend registry: agent config type -> backend, MRO-aware."""

from __future__ import annotations

import re

from genelab.configs import distribution_of_module
from genelab.constraints import plugin_name
from genelab.errors import GenelabError
from genelab.plugins import call_each, get_host
from genelab.rl.backend import Backend, BackendInfo
from genelab.rl.config import BackendConfig


class BackendSelectionError(GenelabError):
    """No backend, or more than one, claims an agent config type."""


def _qualname(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def registered_backends() -> dict[type[BackendConfig], BackendInfo]:
    """Every backend from every plugin, by the config type it claims.

    A backend without a usable ``name``, ``config_type`` or ``checkpoint_pattern``, or
    whose name or config type an earlier plugin's backend has already, is reported with
    its distribution and skipped.
    """
    host = get_host()
    by_type: dict[type[BackendConfig], BackendInfo] = {}
    names: dict[str, BackendInfo] = {}
    for plugin, backends in call_each(host, "genelab_backends", Backend):
        distribution, version = host.source_of(plugin)
        for backend in backends:
            problem = _backend_problem(backend, names, by_type)
            if problem is None:
                info = BackendInfo(backend, distribution, version)
                by_type[backend.config_type] = info
                names[backend.name] = info
            elif problem:
                host.report_plugin(plugin, "genelab_backends()", problem)
    return by_type


def _backend_problem(backend: Backend, names: dict[str, BackendInfo],
                     by_type: dict[type[BackendConfig], BackendInfo]) -> str | None:
    """What makes ``backend`` unusable next to those registered before it; ``""`` for the
    same backend class twice (an editable install listed twice), ``None`` if nothing."""
    name = getattr(backend, "name", None)
    config_type = getattr(backend, "config_type", None)
    label = f"backend {type(backend).__name__}"
    if not plugin_name(name):
        return f"{label} has no usable name (got {name!r}; letters, digits, '-' and '_')"
    if not (isinstance(config_type, type) and issubclass(config_type, BackendConfig)):
        return f"{label} '{name}': config_type must be a BackendConfig subclass"
    try:
        if re.compile(backend.checkpoint_pattern).groups < 1:
            return f"{label} '{name}': checkpoint_pattern needs a group for the number"
    except (re.error, TypeError) as error:
        return f"{label} '{name}': bad checkpoint_pattern ({error})"
    if name in names:
        if type(names[name].backend) is type(backend):
            return ""
        return f"{label}: the name '{name}' is taken by {names[name].distribution}"
    if config_type in by_type:
        owner = by_type[config_type]
        return (f"{label} '{name}' claims {_qualname(config_type)}, which "
                f"{owner.distribution} ({owner.backend.name}) trains already")
    return None


def select_backend(agent_cfg: BackendConfig) -> BackendInfo:
    """The backend for ``agent_cfg``, found by walking ``type(agent_cfg).__mro__``.

    A config type claimed by two plugins trains with the first one's backend (the second
    is reported as a plugin failure, see :func:`registered_backends`). Raises
    :class:`BackendSelectionError` when no plugin claims it, naming what is installed
    and what to install.
    """
    registry = registered_backends()
    for cls in type(agent_cfg).__mro__:
        if cls in registry:
            return registry[cls]
    installed = ", ".join(
        f"{_qualname(t)} ({info.distribution})" for t, info in registry.items()
    ) or "none"
    needed = distribution_of_module(type(agent_cfg).__module__)
    raise BackendSelectionError(
        f"no installed backend trains {_qualname(type(agent_cfg))} "
        f"(installed: {installed}); install it with: pip install {needed}"
    )


def backend_by_name(name: str) -> BackendInfo:
    """The registered backend whose ``name`` is ``name`` (for run lookups)."""
    for info in registered_backends().values():
        if info.backend.name == name:
            return info
    raise BackendSelectionError(f"no installed backend named '{name}'")


__all__ = ["Backend", "BackendSelectionError", "registered_backends", "select_backend"]
