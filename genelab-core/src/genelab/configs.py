"""Task configuration: what a registered task id resolves to."""

from __future__ import annotations

import copy
import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from genelab.errors import GenelabError, did_you_mean

#: An agent config, a factory of one, or a lazy ``"module:attr"`` reference to either, so
#: listing presets imports no RL library.
AgentRef = Any


class MissingBackendError(GenelabError):
    """An agent config lives in a distribution that is not installed."""

    def __init__(self, what: str, distribution: str, detail: str = ""):
        super().__init__(f"{what} needs the '{distribution}' package{detail}; "
                         f"install it with: pip install {distribution}")
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

    A module that is missing, or that imports one that is missing, raises
    :class:`MissingBackendError` naming what to install; any other failure of the import
    is a :class:`GenelabError` naming the reference (a module that raises a
    :class:`GenelabError` itself, with the user's fix in it, passes that through).
    """
    module_name, _, attr = reference.partition(":")
    if not attr:
        raise GenelabError(f"bad reference '{reference}': expected 'module:attribute'")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        missing = (error.name or module_name).split(".")[0]
        detail = "" if module_name.split(".")[0] == missing else f" (imported by {module_name})"
        raise MissingBackendError(f"'{reference}'", distribution_of_module(missing),
                                  detail) from None
    except GenelabError:
        raise
    except Exception as error:  # a broken module: one line naming it, not a traceback
        raise GenelabError(f"cannot import '{reference}': {type(error).__name__}: {error}") from None
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


@dataclass(frozen=True)
class Preset:
    """An agent config offered for one task: ``genelab train TASK --preset NAME``.

    Any plugin offers presets through the ``genelab_presets`` hook, for its own tasks or
    anyone's (a backend distribution ships its presets for the built-in tasks).

    Attributes:
        task_id: The task it trains, e.g. ``"GeneLab-Cartpole-v0"``.
        name: The preset name (letters, digits, ``-`` and ``_``), by convention
            ``<backend>_<algorithm>``, e.g. ``"rsl_rl_ppo"``.
        agent: The agent config: an instance, a class or factory returning one, or a lazy
            ``"module:attr"`` reference to either (imported only when the preset is used,
            so listing presets imports no RL library).
        description: One line shown by ``genelab info TASK``.
    """

    task_id: str
    name: str
    agent: AgentRef
    description: str = ""


@dataclass
class TaskCfg:
    """Everything one task id resolves to.

    Attributes:
        id: The registered task id, e.g. ``"GeneLab-Cartpole-v0"``.
        env: The training environment config (a ``ManagerBasedRlEnvCfg``).
        agent: The name of the default preset (``genelab train TASK`` without ``--preset``).
        agent_distribution: The distribution that provides the default preset, named in
            the error when it is not installed (e.g. ``"genelab-backend-rslrl"``).
        play_env: Environment config for ``genelab play`` (e.g. fewer envs); ``None``
            falls back to ``env``.
        presets: Agent configs by preset name. A task may name its own here;
            :meth:`genelab.registry.TaskRegistry.get` adds every plugin's
            ``genelab_presets`` for this id.
        description: The task's summary, shown by ``genelab info TASK``
            (``genelab list tasks`` shows :attr:`TaskSpec.description`).
    """

    id: str
    env: Any
    agent: str | None = None
    agent_distribution: str = ""
    play_env: Any = None
    presets: dict[str, AgentRef] = field(default_factory=dict)
    description: str = ""

    def agent_cfg(self, preset: str | None = None) -> Any:
        """A fresh agent config: the named preset's, or the default preset's."""
        if preset is None:
            if self.agent is None:
                raise GenelabError(f"task '{self.id}' has no default agent; pick one with "
                                   f"--preset ({self._known()})")
            if self.agent not in self.presets:
                what = f"the default preset '{self.agent}' of task '{self.id}'"
                detail = f" ({self._known()}; or pick one with --preset)"
                if self.agent_distribution:
                    raise MissingBackendError(what, self.agent_distribution, detail)
                raise GenelabError(f"{what} is not installed{detail}")
            preset = self.agent
        if preset not in self.presets:
            raise GenelabError(
                f"task '{self.id}' has no preset '{preset}' ({self._known()})."
                + did_you_mean(preset, self.presets)
            )
        return resolve_agent(self.presets[preset])

    def _known(self) -> str:
        return f"presets: {', '.join(sorted(self.presets)) or 'none installed'}"


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
