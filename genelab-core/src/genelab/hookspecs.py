"""Hook specifications that GeneLab plugins implement.

A plugin is a module named by an entry point in the ``genelab.backends`` or
``genelab.tasks`` group. It decorates plain functions with :data:`genelab.hookimpl`::

    from genelab import hookimpl

    @hookimpl
    def genelab_backends():
        return [MyBackend()]

Plugin modules must not import torch or an RL library at import time: ``genelab --help``
and ``genelab list`` load every plugin.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from genelab.configs import TaskSpec
    from genelab.rl.backend import Backend

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
