"""What a command will run, resolved before anything is built: configs, backend, checkpoint.

A fresh training run starts from the task (its default agent or a preset). Resuming
starts from the saved configs of the run being continued, and play, eval and export of
a trained policy from the saved configs of the checkpoint's run; nothing is re-derived
from the task's defaults. This command's flags and dotted overrides go on top, and every
value that then differs from the saved one is reported. Everything a user can get wrong
here fails before an env is built or a run directory exists.
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from genelab.constraints import check_config
from genelab.errors import GenelabError
from genelab.files import check_writable_dir
from genelab.overrides import Override, apply_overrides
from genelab.registry import TASKS
from genelab.rl.backend import BackendInfo, PolicyKind
from genelab.rl.registry import select_backend
from genelab.runs import CheckpointChoice, Run, resolve_checkpoint
from genelab.serialization import copy_paths, differences, flatten

#: Settings that belong to one command, not to the run: never reported as changes.
PER_COMMAND = ("agent.max_iterations",)


@dataclass(frozen=True)
class Change:
    """A setting this command gives another value than the run it continues saved."""

    path: str
    saved: Any
    now: Any

    def __str__(self) -> str:
        return f"{self.path}: {self.saved!r} (saved) -> {self.now!r}"


@dataclass
class TrainSetup:
    """A resolved ``genelab train``: configs after overrides, backend, what it resumes.

    Attributes:
        task_id: The task.
        preset: The preset trained (``None``: the task's default agent).
        env_cfg: The env config (``seed`` is set per rank by the dispatcher).
        agent_cfg: The agent config.
        info: The backend that trains it.
        source: The checkpoint resumed from, or ``None`` for a fresh run.
        changes: Settings that differ from the resumed run's saved ones.
    """

    task_id: str
    preset: str | None
    env_cfg: Any
    agent_cfg: Any
    info: BackendInfo
    source: CheckpointChoice | None = None
    changes: list[Change] = field(default_factory=list)

    @property
    def resume_from(self) -> Path | None:
        """The checkpoint file to restore, if resuming."""
        return self.source.path if self.source else None

    def report(self) -> list[str]:
        """Lines telling what is resumed and what this command changes."""
        if self.source is None:
            return []
        run, notes = self.source.run, [f"note: {note}" for note in self.source.notes]
        if run is None:
            return [f"resuming {self.source.path} with the task's settings", *notes]
        what = f"resuming {self.source.path} ({run.state} run)"
        if not self.changes:
            return [f"{what} with its saved settings", *notes]
        return [f"{what} with {len(self.changes)} change(s):",
                *(f"  {change}" for change in self.changes), *notes]


def resolve_train(task_id: str, *, preset: str | None = None,
                  overrides: list[Override] = (),  # type: ignore[assignment]
                  num_envs: int | None = None, max_iterations: int | None = None,
                  seed: int | None = None, run_name: str | None = None,
                  log_root: Path = Path("logs"), resume: bool = False,
                  checkpoint: str | None = None, run: str = "latest") -> TrainSetup:
    """Resolve a training command (see the module docstring); nothing is built or written.

    ``resume`` continues the latest checkpoint of this task's newest run (matching
    ``run``, a regex, and ``preset``); ``checkpoint`` names one (a path, a run directory,
    "latest" or a number).
    """
    task = TASKS.get(task_id)
    if any(override.path == "env.seed" for override in overrides):
        raise GenelabError("--env.seed: training seeds its envs from the agent's seed (plus "
                           "the rank under --gpus); set --seed or --agent.seed instead")
    source = None
    if resume or checkpoint:
        source = resolve_checkpoint(checkpoint or "latest", task_id=task_id, log_root=log_root,
                                    run=run, preset=preset)
    saved: dict[str, Any] | None = None
    if source is not None and source.run is not None:
        _check_preset(source.run, source.path, preset)
        preset = source.run.preset
        env_cfg, agent_cfg = source.run.env_cfg(task.env), source.run.agent_cfg(task)
        env_cfg.num_envs = _envs_per_process(source.run, env_cfg.num_envs)
        saved = {**flatten(env_cfg, "env"), **flatten(agent_cfg, "agent")}
    else:
        env_cfg, agent_cfg = task.env, task.agent_cfg(preset)
    info = select_backend(agent_cfg)
    apply_overrides({"env": env_cfg, "agent": agent_cfg}, list(overrides))
    if num_envs is not None:
        env_cfg.num_envs = num_envs
    if max_iterations is not None:
        agent_cfg.max_iterations = max_iterations
    if seed is not None:
        agent_cfg.seed = seed
    if run_name is not None:
        agent_cfg.run_name = run_name
    origin = (f"the saved params of {source.run.path}" if saved is not None
              else f"task {task_id}" + (f", preset {preset}" if preset else ""))
    flags = {"env.num_envs": num_envs, "agent.max_iterations": max_iterations,
             "agent.seed": seed, "agent.run_name": run_name}
    check_configs({"env": env_cfg, "agent": agent_cfg}, origin, _labels(flags))
    check_writable_dir(log_root, "--log-dir")
    changes = []
    if saved is not None:
        now = {**flatten(env_cfg, "env"), **flatten(agent_cfg, "agent")}
        changes = [Change(path, old, new) for path, old, new in differences(saved, now)
                   if path not in PER_COMMAND]
    return TrainSetup(task_id, preset, env_cfg, agent_cfg, info, source, changes)


def _envs_per_process(trained: Run, saved: int) -> int:
    """The env count each process of this command gets from a run whose params hold one
    process's count: the run's total (``saved`` x its processes) split over this
    command's processes (torchrun's ``WORLD_SIZE``), when it splits evenly."""
    total = saved * int(trained.info.get("world_size") or 1)
    processes = int(os.environ.get("WORLD_SIZE", "1"))
    return total // processes if total % processes == 0 else saved


def _check_preset(trained: Run, path: Path, preset: str | None) -> None:
    """A ``--preset`` given with a checkpoint must be the one its run trained."""
    if preset is not None and trained.preset != preset:
        raise GenelabError(f"{path} was trained with preset "
                           f"{trained.preset or '(the default agent)'}, not {preset}; "
                           "drop --preset")


@dataclass
class PlaySetup:
    """A resolved ``genelab play`` / ``eval`` / ``export``.

    Attributes:
        task_id: The task.
        kind: ``zero``, ``random`` or ``trained``.
        env_cfg: The env config to build.
        agent_cfg: The agent config (trained policies, or to check agent overrides).
        info: The backend of a trained policy.
        source: The checkpoint of a trained policy.
        notes: What the user should know before the policy runs (settings of the run
            that the play env changes, skipped runs).
    """

    task_id: str
    kind: PolicyKind
    env_cfg: Any
    agent_cfg: Any = None
    info: BackendInfo | None = None
    source: CheckpointChoice | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def checkpoint(self) -> Path | None:
        """The checkpoint file of a trained policy."""
        return self.source.path if self.source else None


def resolve_play(task_id: str, *, kind: PolicyKind = "zero", preset: str | None = None,
                 overrides: list[Override] = (),  # type: ignore[assignment]
                 checkpoint: str | None = None, run: str = "latest",
                 num_envs: int | None = None, seed: int | None = None,
                 log_root: Path = Path("logs")) -> PlaySetup:
    """Resolve a playback command (see the module docstring); nothing is built.

    A trained policy's env is its run's saved env config with the task's play-time
    differences (``TaskCfg.play_env``, e.g. fewer envs) applied, then this command's
    flags and overrides; its agent config is the run's.
    """
    if kind not in ("zero", "random", "trained"):
        raise GenelabError(f"unknown agent '{kind}': use zero, random or trained")
    task = TASKS.get(task_id)
    env_overrides = [o for o in overrides if o.path.startswith("env.")]
    agent_overrides = [o for o in overrides if o.path.startswith("agent.")]
    setup = PlaySetup(task_id, kind, task.play_env if task.play_env is not None else task.env)
    if kind == "trained":
        setup.source = resolve_checkpoint(checkpoint or "latest", task_id=task_id,
                                          log_root=log_root, run=run, preset=preset)
        setup.notes.extend(setup.source.notes)
        trained = setup.source.run
        if trained is not None:
            _check_preset(trained, setup.source.path, preset)
            setup.env_cfg = play_env(trained, task, setup.notes)
            setup.agent_cfg = trained.agent_cfg(task)
        else:
            setup.agent_cfg = task.agent_cfg(preset)
        setup.info = select_backend(setup.agent_cfg)
    elif agent_overrides:
        setup.agent_cfg = task.agent_cfg(preset)
    targets = {"env": setup.env_cfg}
    if setup.agent_cfg is not None:
        targets["agent"] = setup.agent_cfg
    apply_overrides(targets, env_overrides + agent_overrides)
    if num_envs is not None:
        setup.env_cfg.num_envs = num_envs
    if seed is not None:
        setup.env_cfg.seed = seed
    origin = (f"the saved params of {setup.source.run.path}"
              if setup.source is not None and setup.source.run is not None else f"task {task_id}")
    check_configs(targets, origin, _labels({"env.num_envs": num_envs, "env.seed": seed}))
    return setup


def _labels(flags: dict[str, Any]) -> dict[str, str]:
    """The CLI flag behind each dotted path that a given flag set (for error messages)."""
    names = {"env.num_envs": "--num-envs", "env.seed": "--seed", "agent.seed": "--seed",
             "agent.max_iterations": "--max-iterations", "agent.run_name": "--run-name"}
    return {path: names[path] for path, value in flags.items() if value is not None}


def check_configs(targets: dict[str, Any], origin: str, labels: dict[str, str]) -> None:
    """Check every config of ``targets`` (root name -> config) against its constraints."""
    for root, config in targets.items():
        check_config(config, root, origin, labels)


def play_env(trained: Run, task: Any, notes: list[str]) -> Any:
    """``trained``'s saved env config with the task's play-time differences applied.

    A play-time difference that replaces a setting the run trained with (one it changed
    from the task's default) is added to ``notes``: it is never dropped silently.
    """
    env_cfg = trained.env_cfg(copy.deepcopy(task.env))
    if task.play_env is None:
        return env_cfg
    defaults, used = flatten(task.env, "env"), flatten(env_cfg, "env")
    play = flatten(task.play_env, "env")
    paths = [path for path, value in play.items() if defaults.get(path) != value]
    for path in copy_paths(task.play_env, env_cfg, paths):
        notes.append(f"the task's play env sets {path}, which the run's env config does not "
                     "have: left out")
    for path in paths:
        if used.get(path) != defaults.get(path) and used.get(path) != play[path]:
            notes.append(f"{path}: {used.get(path)!r} (trained) -> {play[path]!r} "
                         "(the task's play env)")
    return env_cfg
