"""Hook specifications that GeneLab plugins implement.

A plugin is a module named by an entry point in the ``genelab.backends``,
``genelab.tasks`` or ``genelab.engines`` group. It decorates plain functions with :data:`genelab.hookimpl`::

    from genelab import hookimpl

    @hookimpl
    def genelab_backends():
        return [MyBackend()]

Plugins are loaded the first time a command needs what they register (``genelab list``,
``info``, ``train``...; ``genelab --help`` loads none). A plugin module must not import
torch or an RL library at import time: ``genelab list`` would pay for it on every call
(``genelab list plugins`` flags such plugins). Import them inside the backend's methods.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from genelab.configs import Preset, TaskSpec
    from genelab.rl.backend import Backend
    from genelab.sim.engine import Engine

PROJECT = "genelab"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def genelab_backends() -> list[Backend]:
    """Return the RL backends this plugin provides.

    Each :class:`genelab.rl.Backend` names the :class:`genelab.rl.BackendConfig` subclass
    it trains (``config_type``). The dispatcher selects a backend from the type of a
    task's agent config, walking its MRO, so subclasses of ``config_type`` resolve too.
    """


@hookspec
def genelab_tasks() -> list[TaskSpec]:
    """Return the tasks this plugin registers.

    Each :class:`genelab.configs.TaskSpec` holds an id, a one-line description and a
    factory that builds a fresh :class:`genelab.configs.TaskCfg`; the factory runs only
    when the task is used, so listing tasks imports no environment code.
    """


@hookspec
def genelab_presets() -> list[Preset]:
    """Return the agent presets this plugin offers, for its own tasks or anyone's.

    Each :class:`genelab.configs.Preset` names a task id, a preset name and the agent
    config (usually a lazy ``"module:attr"`` reference, imported only when the preset is
    used). A backend distribution ships its presets for the built-in tasks this way, and
    ``genelab train TASK --preset NAME`` trains with any of them. A preset for a task id
    that is not installed is ignored; a name the task or an earlier plugin already offers
    for that task is reported and skipped.
    """


@hookspec
def genelab_engines() -> list[Engine]:
    """Return the simulation engines this plugin provides.

    Each :class:`genelab.sim.Engine` names the :class:`genelab.sim.SimulationCfg` subclass
    it simulates (``config_type``) and a lazy ``"module:attr"`` reference to its
    :class:`genelab.sim.Simulation`; an env runs on the engine whose config type matches
    its ``sim`` config (walking the MRO). The engine library is imported only when an env
    is built, never when the plugin loads.
    """
