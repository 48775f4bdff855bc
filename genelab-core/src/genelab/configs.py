"""Task configuration: what a registered task id resolves to."""

from __future__ import annotations

import copy
import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from genelab.errors import GenelabError, did_you_mean

#: An agent config or a lazy ``"module:attr"`` reference to one (or to a factory of one),
#: so a task can name presets of backends that are not installed.
AgentRef = Any


class MissingBackendError(GenelabError):
    """An agent config lives in a backend distribution that is not installed."""

    def __init__(self, reference: str, distribution: str):
        super().__init__(
            f"agent config '{reference}' needs the '{distribution}' package; "
            f"install it with: pip install {distribution}"
        )
        self.distribution = distribution


def distribution_of_module(module: str) -> str:
    """Best-effort distribution name for a top-level import name (``a_b`` -> ``a-b``)."""
    top = module.split(".")[0]
    try:
        from importlib.metadata import packages_distributions

        dists = packages_distributions().get(top)
        if dists:
            return dists[0]
    except Exception:  # metadata can be broken in odd environments; fall back to the name
        pass
    return top.replace("_", "-")


def resolve_reference(reference: str) -> Any:
    """Import ``"module:attr"`` and return the attribute.

    A missing top-level module raises :class:`MissingBackendError` naming what to install.
    """
    module_name, _, attr = reference.partition(":")
    if not attr:
        raise GenelabError(f"bad reference '{reference}': expected 'module:attribute'")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        missing = (error.name or module_name).split(".")[0]
        if module_name.split(".")[0] == missing:
            raise MissingBackendError(reference, distribution_of_module(missing)) from None
        raise
    try:
        value = getattr(module, attr)
    except AttributeError:
        raise GenelabError(f"bad reference '{reference}': {module_name} has no '{attr}'") from None
    return value


def resolve_agent(agent: AgentRef) -> Any:
    """Return a fresh agent config from a config, a class, a factory or a reference."""
    if isinstance(agent, str):
        agent = resolve_reference(agent)
    return agent() if callable(agent) else copy.deepcopy(agent)


@dataclass
class TaskCfg:
    """Everything one task id resolves to.

    Attributes:
        id: The registered task id, e.g. ``"GeneLab-Cartpole-v0"``.
        env: The training environment config (a ``ManagerBasedRlEnvCfg``).
        agent: The default agent config, or a lazy ``"module:attr"`` reference to it.
        play_env: Environment config for ``genelab play`` (e.g. fewer envs); ``None``
            falls back to ``env``.
        presets: Named alternative agent configs (or references), so one env trains
            with any backend or algorithm without a new task id.
        description: One line shown by ``genelab list tasks``.
    """

    id: str
    env: Any
    agent: AgentRef = None
    play_env: Any = None
    presets: dict[str, AgentRef] = field(default_factory=dict)
    description: str = ""

    def agent_cfg(self, preset: str | None = None) -> Any:
        """The resolved agent config: the default, or the named preset."""
        if preset is None:
            if self.agent is None:
                raise GenelabError(f"task '{self.id}' has no default agent config")
            return resolve_agent(self.agent)
        if preset not in self.presets:
            known = ", ".join(sorted(self.presets)) or "none"
            raise GenelabError(
                f"task '{self.id}' has no preset '{preset}' (presets: {known})."
                + did_you_mean(preset, self.presets)
            )
        return resolve_agent(self.presets[preset])


@dataclass(frozen=True)
class TaskSpec:
    """A registered task: its id, a description and a factory for a fresh :class:`TaskCfg`.

    ``factory`` may be a callable or a ``"module:attr"`` reference to one; it is called
    only when the task is used.
    """

    id: str
    factory: Callable[[], TaskCfg] | str
    description: str = ""
    keywords: tuple[str, ...] = ()

    def build(self) -> TaskCfg:
        """Call the factory and return a fresh :class:`TaskCfg`."""
        factory = self.factory
        if isinstance(factory, str):
            factory = resolve_reference(factory)
        cfg = factory()
        if not isinstance(cfg, TaskCfg):
            raise TypeError(f"task factory for '{self.id}' returned {type(cfg).__name__}")
        return cfg
