"""The engine registry: simulation config type -> engine, MRO-aware, like backends."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from genelab.configs import distribution_of_module
from genelab.constraints import plugin_name
from genelab.errors import GenelabError
from genelab.plugins import call_each, get_host
from genelab.sim.engine import Engine, Simulation, SimulationCfg

if TYPE_CHECKING:
    import torch


@dataclass(frozen=True)
class EngineInfo:
    """A registered engine and the distribution it came from."""

    engine: Engine
    distribution: str
    version: str = ""


def registered_engines() -> dict[type[SimulationCfg], EngineInfo]:
    """Every engine of every plugin, by the config type it simulates.

    An engine without a usable name, config type or simulation reference, or whose name
    or config type an earlier plugin's engine has, is reported and skipped.
    """
    host = get_host()
    by_type: dict[type[SimulationCfg], EngineInfo] = {}
    names: dict[str, EngineInfo] = {}
    for plugin, engines in call_each(host, "genelab_engines", Engine):
        distribution, version = host.source_of(plugin)
        for engine in engines:
            problem = _engine_problem(engine, names, by_type)
            if problem is None:
                info = EngineInfo(engine, distribution, version)
                by_type[engine.config_type] = names[engine.name] = info
            elif problem:
                host.report_plugin(plugin, "genelab_engines()", problem)
    return by_type


def _engine_problem(engine: Engine, names: dict[str, EngineInfo],
                    by_type: dict[type[SimulationCfg], EngineInfo]) -> str | None:
    """What makes ``engine`` unusable next to those before it; ``""`` for the same engine
    listed twice, ``None`` if nothing."""
    name, config_type = engine.name, engine.config_type
    if not plugin_name(name):
        return f"engine {name!r} has no usable name (letters, digits, '-' and '_')"
    if not (isinstance(config_type, type) and issubclass(config_type, SimulationCfg)):
        return f"engine '{name}': config_type must be a SimulationCfg subclass"
    if not isinstance(engine.simulation, str) or ":" not in engine.simulation:
        return f"engine '{name}': simulation must be a 'module:attr' reference"
    if name in names:
        same = names[name].engine.config_type is config_type
        return "" if same else f"engine: the name '{name}' is taken by {names[name].distribution}"
    if config_type in by_type:
        owner = by_type[config_type]
        return (f"engine '{name}' claims {config_type.__qualname__}, which "
                f"{owner.distribution} ({owner.engine.name}) simulates already")
    return None


def select_engine(cfg: SimulationCfg) -> EngineInfo:
    """The engine for ``cfg``, found by walking ``type(cfg).__mro__``; none is a one-line
    :class:`GenelabError` naming what to install."""
    registry = registered_engines()
    for cls in type(cfg).__mro__:
        if cls in registry:
            return registry[cls]
    installed = ", ".join(f"{info.engine.name} ({info.distribution})"
                          for info in registry.values()) or "none"
    needed = distribution_of_module(type(cfg).__module__)
    raise GenelabError(f"no installed engine simulates {type(cfg).__qualname__} "
                       f"(installed: {installed}); install it with: pip install {needed}")


def create_simulation(cfg: SimulationCfg, device: torch.device) -> Simulation:
    """Create (not yet build) the simulation of ``cfg`` with the engine its type selects."""
    return select_engine(cfg).engine.create(cfg, device)
