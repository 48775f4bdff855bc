"""``genelab list tasks|backends|engines|runs|plugins`` and ``genelab info TASK``: no torch, no RL library."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import typer

list_app = typer.Typer(help="List registered tasks, installed backends and engines, plugins "
                            "or a task's runs.", no_args_is_help=True)


@list_app.callback()
def _list_quietly() -> None:
    """The list commands show plugin failures in their output, not as warnings."""
    from genelab.plugins import announce_failures

    announce_failures(False)


@list_app.command("tasks")
def list_tasks(
    keyword: str = typer.Option(None, "--keyword", "-k", help="Filter by id or description."),
) -> None:
    """List registered tasks."""
    from genelab.registry import TASKS

    specs = TASKS.list(keyword)
    if not specs:
        typer.echo(f"no tasks match '{keyword}'" if keyword else "no tasks registered")
        return
    width = max(len(s.id) for s in specs)
    for spec in specs:
        typer.echo(f"{spec.id:<{width}}  {spec.description}")
    _print_failures()


@list_app.command("backends")
def list_backends() -> None:
    """List installed backends, then every plugin failure (of every group)."""
    from genelab.registry import TASKS
    from genelab.rl.registry import registered_backends

    TASKS.list()  # runs the task hooks too, so their failures are listed
    rows = []
    for config_type, info in registered_backends().items():
        rows.append((info.backend.name, f"{config_type.__module__}.{config_type.__name__}",
                     ", ".join(info.backend.algorithms),
                     "yes" if info.backend.distributed else "no", info.distribution,
                     info.version))
    if rows:
        header = ("name", "config type", "algorithms", "--gpus", "distribution", "version")
        _print_table(header, sorted(rows))
    else:
        typer.echo("no backends installed; try: pip install genelab-backend-rslrl")
    _print_failures()


@list_app.command("engines")
def list_engines() -> None:
    """List installed simulation engines, then every plugin failure (of every group)."""
    from genelab.registry import TASKS
    from genelab.sim.registry import registered_engines

    TASKS.list()  # runs the task hooks too, so their failures are listed
    rows = [(info.engine.name, f"{config_type.__module__}.{config_type.__name__}",
             info.engine.description, info.distribution, info.version)
            for config_type, info in registered_engines().items()]
    header = ("name", "config type", "description", "distribution", "version")
    _print_table(header, sorted(rows))
    _print_failures()


def _print_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    """``rows`` under ``header``, each column as wide as its widest cell."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        typer.echo("  ".join(f"{c:<{w}}" for c, w in zip(row, widths, strict=True)).rstrip())


@list_app.command("runs")
def list_runs(
    task_id: str = typer.Argument(..., metavar="TASK", help="A task id (see: genelab list tasks)."),
    run: str = typer.Option("", "--run", help="Regex on <backend>/<experiment>/<run>."),
    log_dir: Path = typer.Option(Path("logs"), "--log-dir", "--log_dir",
                                 help="Root of run directories."),
) -> None:
    """List a task's runs, oldest first: state, preset, checkpoints."""
    from genelab.registry import TASKS
    from genelab.runs import find_runs

    TASKS.spec(task_id)  # an unknown task is an error, not an empty list
    runs, notes = find_runs(log_dir, task_id, pattern=run)
    rows = []
    for found in runs:
        numbers = [n for n, _ in found.checkpoints()]
        checkpoints = f"{len(numbers)} (latest {numbers[-1]})" if numbers else "0"
        rows.append((found.label, found.state, found.preset or "(default)", checkpoints))
    if not rows:
        typer.echo(f"no runs of {task_id} in {log_dir}")
    else:
        _print_table(("run", "state", "preset", "checkpoints"), rows)
    for note in notes:
        typer.echo(f"note: {note}", err=True)


@list_app.command("plugins")
def list_plugins(
    verbose: bool = typer.Option(False, "--verbose", "-v",
                                 help="Show the full traceback of each plugin failure."),
) -> None:
    """List every plugin: entry point, distribution, version, load time, what it registered;
    flag slow imports and torch imported at load; then every plugin failure."""
    from genelab.configs import Preset, TaskSpec
    from genelab.plugins import call_each, get_host
    from genelab.registry import TASKS
    from genelab.rl.backend import Backend
    from genelab.rl.registry import registered_backends
    from genelab.sim.engine import Engine
    from genelab.sim.registry import registered_engines

    host = get_host()
    TASKS.list()  # the registries run the hooks, so their failures are listed too
    registered_backends()
    registered_engines()
    provided: dict[object, list[str]] = {}
    for hook, kind, label in (("genelab_engines", Engine, "engine"),
                              ("genelab_backends", Backend, "backend"),
                              ("genelab_tasks", TaskSpec, "task"),
                              ("genelab_presets", Preset, "preset")):
        for plugin, items in call_each(host, hook, kind):
            if label in ("backend", "engine"):
                names = ", ".join(str(getattr(b, "name", "?")) for b in items)
                provided.setdefault(plugin, []).append(f"{label} {names}")
            elif items:
                plural = "s" if len(items) != 1 else ""
                provided.setdefault(plugin, []).append(f"{len(items)} {label}{plural}")
    rows, flagged = [], []
    for plugin in host.manager.get_plugins():
        name = host.manager.get_name(plugin) or "in-process"
        dist, version = host.source_of(plugin)
        load = host.loads.get(name)
        group = load.group if load else "in-process"
        entry_point = load.entry_point if load else name
        seconds = f"{load.seconds * 1000:.0f} ms" if load else "-"
        rows.append((group, entry_point, dist, version, seconds,
                     "; ".join(provided.get(plugin, [])) or "nothing"))
        for flag in load.flags() if load else []:
            flagged.append(f"  {dist} ({entry_point}): {flag}")
    _print_table(("group", "entry point", "distribution", "version", "load", "registered"),
                 sorted(rows))
    if flagged:
        typer.echo("\nslow plugins (import torch and RL libraries inside train / play, not at "
                   "module level):")
        for line in flagged:
            typer.echo(line)
    _print_failures(verbose)


def _print_failures(verbose: bool = False) -> None:
    from genelab.plugins import get_host

    failures = get_host().failures
    if failures:
        typer.echo("\nplugin failures (skipped):")
        for failure in failures:
            typer.echo(f"  {failure}")
            if verbose and failure.details:
                typer.echo("    " + failure.details.rstrip().replace("\n", "\n    "))


def info(
    task_id: str = typer.Argument(..., metavar="TASK", help="A task id (see: genelab list tasks)."),
    preset: str = typer.Option(None, "--preset", help="Describe a named agent preset."),
) -> None:
    """Describe a task: env and agent summary, and every overridable dotted path."""
    from genelab.errors import GenelabError
    from genelab.registry import TASKS

    task, offered = TASKS.get_with_offers(task_id)
    typer.echo(f"{task.id}: {task.description}")
    env = task.env
    typer.echo(f"env: {type(env).__name__} num_envs={env.num_envs} "
               f"dt={env.sim.dt} decimation={env.decimation} "
               f"episode_length_s={env.episode_length_s}")
    for group in ("observations", "actions", "rewards", "terminations", "events", "commands"):
        value = getattr(env, group, None)
        if isinstance(value, dict) and value:
            typer.echo(f"  {group}: {', '.join(value)}")
    _print_presets(task.agent, offered)
    targets: dict[str, Any] = {"env": env}
    try:
        agent = task.agent_cfg(preset)
        typer.echo(f"agent: {type(agent).__module__}.{type(agent).__name__}")
        targets["agent"] = agent
    except GenelabError as error:
        typer.echo(f"agent: unavailable ({error})")
    typer.echo("\noverridable settings (--path VALUE):")
    _print_paths(targets)


def _print_presets(default: str | None, offered: dict[str, Any]) -> None:
    """One row per preset: name, the distribution offering it, its description."""
    typer.echo(f"presets (--preset NAME; default: {default or 'none'}):")
    if default is not None and default not in offered:
        typer.echo(f"  {default}  (not installed)")
    rows = [(name, f"{o.distribution} {o.version}".strip(), o.preset.description)
            for name, o in offered.items()]
    widths = [max((len(r[i]) for r in rows), default=0) for i in range(2)]
    for name, dist, description in rows:
        mark = "*" if name == default else " "
        typer.echo(f" {mark}{name:<{widths[0]}}  {dist:<{widths[1]}}  {description}".rstrip())


def _print_paths(targets: dict[str, Any]) -> None:
    from genelab.constraints import rules_of, type_name
    from genelab.overrides import iter_overridable

    for root, node in targets.items():
        if not dataclasses.is_dataclass(node):
            continue
        for path, hint, value in iter_overridable(node, root):
            kind = "; ".join([type_name(hint), *rules_of(hint)])
            typer.echo(f"  --{path}  [{kind}]  default: {value!r}")
