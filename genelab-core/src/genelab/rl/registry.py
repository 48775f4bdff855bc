"""The typed backend registry: agent config type -> backend, MRO-aware."""

from __future__ import annotations

from genelab.configs import distribution_of_module
from genelab.errors import GenelabError
from genelab.plugins import call_each, get_host
from genelab.rl.backend import Backend, BackendInfo
from genelab.rl.config import BackendConfig


class BackendSelectionError(GenelabError):
    """No backend, or more than one, claims an agent config type."""


def _qualname(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def registered_backends() -> dict[type[BackendConfig], list[BackendInfo]]:
    """Every backend from every plugin, grouped by the config type it claims."""
    host = get_host()
    by_type: dict[type[BackendConfig], list[BackendInfo]] = {}
    for plugin, backends in call_each(host, "genelab_backends"):
        distribution, version = host.source_of(plugin)
        for backend in backends:
            infos = by_type.setdefault(backend.config_type, [])
            if not any(type(i.backend) is type(backend) for i in infos):
                infos.append(BackendInfo(backend, distribution, version))
    return by_type


def select_backend(agent_cfg: BackendConfig) -> BackendInfo:
    """The backend for ``agent_cfg``, found by walking ``type(agent_cfg).__mro__``.

    Raises :class:`BackendSelectionError` when two plugins claim the matched type (naming
    both distributions) or none does (naming what is installed and what to install).
    """
    registry = registered_backends()
    for cls in type(agent_cfg).__mro__:
        infos = registry.get(cls)
        if not infos:
            continue
        if len(infos) > 1:
            claimants = " and ".join(f"{i.distribution} ({i.backend.name})" for i in infos)
            raise BackendSelectionError(
                f"config type {_qualname(cls)} is claimed by {claimants}; "
                "uninstall one of them"
            )
        return infos[0]
    installed = ", ".join(
        f"{_qualname(t)} ({infos[0].distribution})" for t, infos in registry.items()
    ) or "none"
    needed = distribution_of_module(type(agent_cfg).__module__)
    raise BackendSelectionError(
        f"no installed backend trains {_qualname(type(agent_cfg))} "
        f"(installed: {installed}); install it with: pip install {needed}"
    )


def backend_by_name(name: str) -> BackendInfo:
    """The registered backend whose ``name`` is ``name`` (for run lookups)."""
    for infos in registered_backends().values():
        for info in infos:
            if info.backend.name == name:
                return info
    raise BackendSelectionError(f"no installed backend named '{name}'")


__all__ = ["Backend", "BackendSelectionError", "registered_backends", "select_backend"]
