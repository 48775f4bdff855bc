"""Runs on disk: the :class:`Run` object every command opens runs through, and its lookup.

Layout: ``<log_root>/<backend>/<experiment>/<YYYY-mm-dd_HH-MM-SS>[-<n>][_<run_name>]/``
holding ``params/{env,agent,run}.json``, the backend's checkpoints and TensorBoard events
(``-<n>`` tells apart runs started in the same second). ``run.json`` names the task,
backend and preset and carries the run's status, so a run is found by task, never by
its folder alone. "latest" is chronological (time stamp, then ``-<n>``) and skips runs
without checkpoints; checkpoint numbers sort numerically.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from annotated_types import Predicate

from genelab.constraints import describe, folder_name, folder_name_or_empty
from genelab.errors import GenelabError, did_you_mean
from genelab.files import process_alive, remove_stale_temp_files, write_json
from genelab.serialization import TYPE_KEY, ParamsError, qualified_name, restore, to_jsonable

TIMESTAMP = "%Y-%m-%d_%H-%M-%S"
_RUN_DIR = re.compile(
    r"^(?P<stamp>\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2})(?:-(?P<n>\d+))?(?:_(?P<name>.+))?$")
#: A seed's run inside a ``genelab train --seeds`` parent (``<stamp>_seeds/seed_3``).
_SEED_RUN = re.compile(r"^seed_(?P<seed>\d+)$")
#: How far above a checkpoint file its run directory may be (``checkpoints/agent_1.pt``).
_CHECKPOINT_DEPTH = 3


class RunLookupError(GenelabError):
    """A run or checkpoint could not be found or read."""


def check_name(value: str, what: str, *, allow_empty: bool = False) -> None:
    """Experiment and run names are one folder name: no separators, ``..`` or absolute paths,
    so a run can never be written outside the log root."""
    rule = folder_name_or_empty if allow_empty else folder_name
    if not rule(value):
        raise GenelabError(f"{what} '{value}' must be {describe(Predicate(rule))}")


def new_run_dir(log_root: Path, backend: str, experiment: str, run_name: str = "",
                now: datetime | None = None) -> Path:
    """Create and return a fresh run directory; never reuses an existing one."""
    check_name(experiment, "agent.experiment_name")
    check_name(run_name, "the run name", allow_empty=True)
    stamp = (now or datetime.now()).strftime(TIMESTAMP)
    parent = Path(log_root) / backend / experiment
    parent.mkdir(parents=True, exist_ok=True)
    for attempt in range(1000):
        name = stamp if attempt == 0 else f"{stamp}-{attempt}"
        if run_name:
            name = f"{name}_{run_name}"
        try:
            (parent / name).mkdir()
        except FileExistsError:
            continue
        return parent / name
    raise RunLookupError(f"could not create a run directory under {parent}")


def _run_folders(log_root: Path) -> list[Path]:
    """Every folder under ``log_root`` that may hold a run: ``<backend>/<experiment>/<run>``
    and the seeds' runs of a ``--seeds`` parent, ``<run>/seed_<S>``, oldest first."""
    folders = []
    for path in Path(log_root).glob("*/*/*"):
        if path.is_dir() and _RUN_DIR.match(path.name):
            folders.append(path)
            folders += [p for p in path.glob("seed_*") if p.is_dir() and _SEED_RUN.match(p.name)]
    return sorted(folders, key=_sort_key)


def _sort_key(path: Path) -> tuple[str, int, str, int]:
    seed = _SEED_RUN.match(path.name)
    top = path.parent if seed else path
    match = _RUN_DIR.match(top.name)
    assert match is not None
    return match["stamp"], int(match["n"] or 0), top.name, int(seed["seed"]) if seed else -1


def list_checkpoints(run_dir: Path, pattern: str) -> list[tuple[int, Path]]:
    """(number, path) of every checkpoint in ``run_dir`` (recursively), sorted numerically."""
    regex = re.compile(pattern)
    found = []
    for path in Path(run_dir).rglob("*"):
        match = regex.fullmatch(path.name)
        if match and path.is_file():
            found.append((int(match.group(1)), path))
    return sorted(found, key=lambda item: (item[0], str(item[1])))


@dataclass(frozen=True)
class Run:
    """One training run on disk: its task, backend, preset, saved configs, checkpoints, state.

    Open one with :meth:`open` (a run directory), :meth:`containing` (a checkpoint file)
    or :func:`find_runs`. Training (also resuming), play, eval and export read a run's
    settings from here, never from the task's defaults.

    Attributes:
        path: The run directory.
        info: ``params/run.json``.
    """

    path: Path
    info: dict[str, Any]

    @classmethod
    def open(cls, path: Path, *, clean: bool = True) -> Run:
        """The run in directory ``path``; a folder without ``params/run.json`` is not a run.

        ``clean`` first removes the temp files killed writers left in it
        (:meth:`remove_stale_temp_files`).
        """
        path = Path(path)
        info_file = path / "params" / "run.json"
        if not info_file.is_file():
            raise RunLookupError(f"{path} is not a run directory (it has no params/run.json)")
        info = _read_json(info_file)
        if not isinstance(info, dict) or not isinstance(info.get("task"), str):
            raise RunLookupError(f"{info_file} does not describe a run (no task)")
        run = cls(path, info)
        if clean:
            run.remove_stale_temp_files()
        return run

    def remove_stale_temp_files(self) -> None:
        """Delete what killed writers left in the run's folders (see :mod:`genelab.files`)."""
        for folder in [self.path, *(p for p in self.path.rglob("*") if p.is_dir())]:
            remove_stale_temp_files(folder)

    @classmethod
    def containing(cls, checkpoint: Path) -> Run | None:
        """The run a checkpoint file belongs to, or ``None`` when it lies outside any run."""
        for parent in list(Path(checkpoint).resolve().parents)[:_CHECKPOINT_DEPTH]:
            if (parent / "params" / "run.json").is_file():
                return cls.open(parent)
        return None

    # -- what the run is ----------------------------------------------------------------

    @property
    def task_id(self) -> str:
        """The task it trained."""
        return self.info["task"]

    @property
    def backend(self) -> str:
        """The name of the backend it trained with."""
        return str(self.info.get("backend", self.path.parent.parent.name))

    @property
    def preset(self) -> str | None:
        """The task preset it trained (``None``: the task's default agent)."""
        return self.info.get("preset")

    @property
    def label(self) -> str:
        """``<backend>/<experiment>/<run>`` (a seed's: ``.../<run>/seed_<S>``): how messages
        name it, what ``--run`` searches."""
        return "/".join(self.path.parts[-4 if _SEED_RUN.match(self.path.name) else -3:])

    def backend_info(self) -> Any:
        """The installed backend it trained with (an error naming the package if missing)."""
        from genelab.rl.registry import BackendSelectionError, backend_by_name

        try:
            return backend_by_name(self.backend)
        except BackendSelectionError:
            package = self.info.get("distribution") or f"the package of the {self.backend} backend"
            raise RunLookupError(f"run {self.label} was trained with the {self.backend} backend, "
                                 f"which is not installed; install it with: pip install "
                                 f"{package}") from None

    # -- checkpoints and state ------------------------------------------------------------

    def checkpoints(self) -> list[tuple[int, Path]]:
        """(number, path) of its checkpoints, numerically sorted."""
        return list_checkpoints(self.path, self.backend_info().backend.checkpoint_pattern)

    def checkpoint(self, which: str | int = "latest") -> Path:
        """The checkpoint ``which``: ``"latest"`` or its number."""
        checkpoints = self.checkpoints()
        if not checkpoints:
            raise RunLookupError(f"run {self.label} has no checkpoints")
        if str(which) in ("", "latest"):
            return checkpoints[-1][1]
        try:
            wanted = int(which)
        except ValueError:
            raise RunLookupError(f"bad checkpoint '{which}': use a path, 'latest' or a "
                                 "number") from None
        for number, path in checkpoints:
            if number == wanted:
                return path
        available = ", ".join(str(n) for n, _ in checkpoints)
        raise RunLookupError(f"run {self.label} has no checkpoint {wanted} "
                             f"(available: {available})")

    @property
    def state(self) -> str:
        """``"empty"`` (no checkpoint), ``"running"``, ``"interrupted"`` (stopped, failed
        or killed before its budget was done; a run another machine writes counts as
        running) or ``"complete"``."""
        if not self.checkpoints():
            return "empty"
        status = self.info.get("status", "complete")
        if status == "running":  # unless its process is gone: killed
            pid = self.info.get("pid")
            if self.info.get("host") != socket.gethostname():
                return "running"  # another machine's process: as far as this one can tell
            return "running" if isinstance(pid, int) and process_alive(pid) else "interrupted"
        return "complete" if status == "complete" else "interrupted"

    def mark(self, status: str, result: dict[str, Any] | None = None) -> None:
        """Record how the run ended (``complete``, ``interrupted`` or ``failed``) and, under
        ``result``, what it reached (iterations, env steps, final mean return and episode
        length, seconds and where they went)."""
        info = {**self.info, "status": status,
                "ended": datetime.now().isoformat(timespec="seconds")}
        if result is not None:
            info["result"] = result
        write_json(self.path / "params" / "run.json", info)
        object.__setattr__(self, "info", info)

    # -- saved configs --------------------------------------------------------------------

    def env_cfg(self, template: Any) -> Any:
        """The env config it trained with, rebuilt onto ``template`` (the task's env config)."""
        return self._restore("env", template)

    def agent_cfg(self, task: Any) -> Any:
        """The agent config it trained with.

        Rebuilt onto the run's preset of ``task`` when that still gives the saved type,
        else onto the saved type itself: only a config type of an installed backend is
        accepted, nothing is imported for it.
        """
        from genelab.rl.config import BackendConfig
        from genelab.serialization import loaded_subclass

        self.backend_info()  # loads the installed backends' config types
        data = self._params("agent")
        saved_type = data.get(TYPE_KEY) if isinstance(data, dict) else None
        template = None
        try:
            candidate = task.agent_cfg(self.preset)
            if qualified_name(type(candidate)) == saved_type:
                template = candidate
        except GenelabError:  # the preset is gone: fall back to the saved type
            pass
        if template is None:
            try:
                template = loaded_subclass(BackendConfig, str(saved_type), "agent")()
            except ParamsError as error:
                raise ParamsError(f"{self.label}/params/agent.json: {error}") from None
        return self._restore("agent", template)

    def _restore(self, name: str, template: Any) -> Any:
        """params/<name>.json rebuilt onto ``template``; errors name the file and the path."""
        try:
            return restore(self._params(name), template, name)
        except ParamsError as error:
            raise ParamsError(f"{self.label}/params/{name}.json: {error}") from None

    def _params(self, name: str) -> Any:
        path = self.path / "params" / f"{name}.json"
        if not path.is_file():
            raise RunLookupError(f"run {self.label} has no params/{name}.json")
        return _read_json(path)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError) as error:
        raise RunLookupError(f"cannot read {path}: {error}") from None


# -- lookup -----------------------------------------------------------------------------


def find_runs(log_root: Path, task_id: str, *, pattern: str = "", preset: str | None = None
              ) -> tuple[list[Run], list[str]]:
    """This task's runs under ``log_root``, oldest first, and notes on what was left out.

    The seeds' runs of a ``--seeds`` parent count as runs (the highest seed of the
    newest parent is the latest). ``pattern`` (a regex) is searched in each run's
    :attr:`Run.label`;
    ``preset`` keeps the runs of that preset. Runs of other tasks are never returned;
    runs whose backend is not installed are left out with a note.
    """
    try:
        regex = re.compile(pattern) if pattern not in ("", "latest") else None
    except re.error as error:
        raise RunLookupError(f"bad run pattern '{pattern}': {error}") from None
    runs, notes = [], []
    for folder in _run_folders(log_root):
        try:
            run = Run.open(folder, clean=False)  # other tasks' runs are only read
        except RunLookupError:
            continue  # not a run of this GeneLab (no or unreadable run.json)
        if run.task_id != task_id or (preset is not None and run.preset != preset):
            continue
        run.remove_stale_temp_files()
        if regex is not None and not regex.search(run.label):
            continue
        try:
            run.backend_info()
        except RunLookupError as error:
            notes.append(f"skipped {error}")
            continue
        runs.append(run)
    return runs, notes


@dataclass(frozen=True)
class CheckpointChoice:
    """A resolved ``--checkpoint``: the file, the run it belongs to, notes for the user."""

    path: Path
    run: Run | None
    notes: tuple[str, ...] = ()


def resolve_checkpoint(spec: str, *, task_id: str, log_root: Path, run: str = "latest",
                       preset: str | None = None) -> CheckpointChoice:
    """Resolve ``--checkpoint PATH|RUN_DIR|latest|<number>`` for task ``task_id``.

    A path must belong to a run of this task (a file outside any run is accepted with a
    note: its configs then come from the task). "latest" and numbers look in the newest
    run of this task (matching ``run`` and ``preset``) that has checkpoints; newer runs
    without any are skipped with a note.
    """
    path = Path(spec).expanduser()
    if path.is_file():
        if not os.access(path, os.R_OK):
            raise RunLookupError(f"checkpoint {path} is not readable")
        owner = Run.containing(path)
        if owner is None:
            return CheckpointChoice(path, None, (
                f"{path} lies outside any run directory: its env and agent settings are "
                "the task's defaults",))
        _check_task(owner, task_id)
        return CheckpointChoice(path, owner)
    if path.is_dir():
        owner = Run.open(path)
        _check_task(owner, task_id)
        return CheckpointChoice(owner.checkpoint("latest"), owner)
    if spec != "latest" and not spec.isdigit():
        raise RunLookupError(f"checkpoint {spec} does not exist")
    candidates, notes = find_runs(log_root, task_id, pattern=run, preset=preset)
    if not candidates:
        where = f" matching '{run}'" if run not in ("", "latest") else ""
        where += f" with preset {preset}" if preset else ""
        raise RunLookupError(f"no runs of {task_id}{where} found in {log_root}"
                             + _other_runs_hint(log_root, task_id, run))
    empty = []
    for candidate in reversed(candidates):
        if candidate.checkpoints():
            if empty:
                notes.append(f"skipped {len(empty)} newer run(s) without checkpoints: "
                             + ", ".join(r.label for r in empty))
            return CheckpointChoice(candidate.checkpoint(spec), candidate, tuple(notes))
        empty.append(candidate)
    raise RunLookupError(f"no run of {task_id} in {log_root} has a checkpoint yet "
                         f"(empty: {', '.join(r.label for r in empty[-3:])})")


def _check_task(run: Run, task_id: str) -> None:
    if run.task_id != task_id:
        raise RunLookupError(f"run {run.label} trained {run.task_id}, not {task_id}")


def _other_runs_hint(log_root: Path, task_id: str, pattern: str) -> str:
    """'Did you mean' and a few run names when ``pattern`` matched none of this task's runs."""
    if pattern in ("", "latest"):
        return ""
    runs, _ = find_runs(log_root, task_id)
    labels = [r.label for r in runs]
    if not labels:
        return ""
    names = [label.rsplit("/", 1)[-1] for label in labels]
    return did_you_mean(pattern, names) + f" Runs: {', '.join(labels[-5:])}"


# -- writing a run ---------------------------------------------------------------------


def write_params(run_dir: Path, env_cfg: Any, agent_cfg: Any, run_info: dict[str, Any]) -> Run:
    """Write ``params/env.json``, ``params/agent.json`` and ``params/run.json``; the run."""
    params = Path(run_dir) / "params"
    write_json(params / "env.json", to_jsonable(env_cfg))
    write_json(params / "agent.json", to_jsonable(agent_cfg))
    write_json(params / "run.json", run_info)
    return Run(Path(run_dir), run_info)


def package_versions(distributions: list[str]) -> dict[str, str]:
    """Versions of the given distributions and their direct requirements, if installed."""
    names = set(distributions) | {"torch", "numpy", "gymnasium"}
    for dist in distributions:
        try:
            for requirement in metadata.requires(dist) or []:
                if "extra ==" not in requirement:
                    names.add(re.split(r"[\s<>=!~;\[(]", requirement, maxsplit=1)[0])
        except metadata.PackageNotFoundError:
            continue
    versions = {}
    for name in sorted(names):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def git_revision(cwd: Path | None = None) -> str | None:
    """The current git commit of ``cwd`` (with ``-dirty``), or ``None`` outside a repo."""
    try:
        rev = subprocess.run(["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True,
                             text=True, timeout=5)
        if rev.returncode != 0:
            return None
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=cwd, capture_output=True, text=True, timeout=5)
        return rev.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return None


def run_info(task_id: str, seed: int, backend: str, distribution: str,
             extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The contents of ``params/run.json``: task, backend, command line, seed, versions,
    git revision, and the status ``running`` (with this process, to tell a killed run)."""
    return {
        "task": task_id,
        "backend": backend,
        "distribution": distribution,
        "argv": list(sys.argv),
        "seed": seed,
        "started": datetime.now().isoformat(timespec="seconds"),
        "status": "running",
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "python": sys.version.split()[0],
        "versions": package_versions(["genelab-core", distribution]),
        "git_revision": git_revision(),
        **(extra or {}),
    }
