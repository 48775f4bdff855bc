"""Run directories on disk and the one resolver for runs and checkpoints.

Layout: ``<log_root>/<backend>/<experiment>/<YYYY-mm-dd_HH-MM-SS>[_<run_name>]/`` with
``params/{env,agent,run}.json``. "latest" is chronological (by the timestamp in the
name, then creation time); iteration numbers sort numerically.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import IO, Any

from genelab.errors import GenelabError, did_you_mean
from genelab.serialization import restore, to_jsonable

TIMESTAMP = "%Y-%m-%d_%H-%M-%S"
_RUN_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2})(?:_(.*))?$")


class RunLookupError(GenelabError):
    """A run or checkpoint could not be found or read."""


def experiment_dir(log_root: Path, backend: str, experiment: str) -> Path:
    """``<log_root>/<backend>/<experiment>``."""
    return Path(log_root) / backend / experiment


def new_run_dir(log_root: Path, backend: str, experiment: str, run_name: str = "",
                now: datetime | None = None) -> Path:
    """Create and return a fresh run directory; never reuses an existing one."""
    stamp = (now or datetime.now()).strftime(TIMESTAMP)
    parent = experiment_dir(log_root, backend, experiment)
    parent.mkdir(parents=True, exist_ok=True)
    base = f"{stamp}_{run_name}" if run_name else stamp
    for attempt in range(1000):
        name = base if attempt == 0 else f"{base}-{attempt}"
        try:
            (parent / name).mkdir()
        except FileExistsError:
            continue
        return parent / name
    raise RunLookupError(f"could not create a run directory under {parent}")


def list_runs(parent: Path) -> list[Path]:
    """Run directories under an experiment directory, oldest first."""
    if not parent.is_dir():
        return []
    runs = [p for p in parent.iterdir() if p.is_dir() and _RUN_NAME.match(p.name)]
    return sorted(runs, key=lambda p: (_RUN_NAME.match(p.name)[1], p.stat().st_ctime, p.name))


def resolve_run(parent: Path, run: str = "latest") -> Path:
    """The newest run whose name matches ``run`` (a regex), or the newest of all."""
    runs = list_runs(parent)
    if not runs:
        raise RunLookupError(f"no runs found in {parent}")
    if run in ("", "latest"):
        return runs[-1]
    try:
        pattern = re.compile(run)
    except re.error as error:
        raise RunLookupError(f"bad run pattern '{run}': {error}") from None
    matches = [p for p in runs if pattern.search(p.name)]
    if not matches:
        names = [p.name for p in runs]
        raise RunLookupError(
            f"no run matching '{run}' in {parent}." + did_you_mean(run, names)
            + f" Runs: {', '.join(names[-5:])}"
        )
    return matches[-1]


def list_checkpoints(run_dir: Path, pattern: str) -> list[tuple[int, Path]]:
    """(iteration, path) of every checkpoint in ``run_dir`` (recursively), sorted numerically."""
    regex = re.compile(pattern)
    found = []
    for path in run_dir.rglob("*"):
        match = regex.fullmatch(path.name)
        if match and path.is_file():
            found.append((int(match.group(1)), path))
    return sorted(found, key=lambda item: (item[0], str(item[1])))


def resolve_checkpoint(run_dir: Path, which: str | int, pattern: str) -> Path:
    """The checkpoint ``which`` ("latest" or an iteration number) inside ``run_dir``."""
    checkpoints = list_checkpoints(run_dir, pattern)
    if not checkpoints:
        raise RunLookupError(f"no checkpoints in {run_dir}")
    if str(which) in ("", "latest"):
        return checkpoints[-1][1]
    try:
        wanted = int(which)
    except ValueError:
        raise RunLookupError(f"bad checkpoint '{which}': use a path, 'latest' or a number") from None
    for iteration, path in checkpoints:
        if iteration == wanted:
            return path
    available = ", ".join(str(i) for i, _ in checkpoints)
    raise RunLookupError(f"no checkpoint {wanted} in {run_dir} (available: {available})")


def find_checkpoint(spec: str, parent: Path, run: str, pattern: str) -> Path:
    """Resolve ``--checkpoint PATH|latest|<iteration>`` against the runs under ``parent``."""
    path = Path(spec).expanduser()
    if path.is_file():
        if not os.access(path, os.R_OK):
            raise RunLookupError(f"checkpoint {path} is not readable")
        return path
    if path.is_dir():
        return resolve_checkpoint(path, "latest", pattern)
    if spec != "latest" and not spec.isdigit():
        raise RunLookupError(f"checkpoint {spec} does not exist")
    return resolve_checkpoint(resolve_run(parent, run), spec, pattern)


@contextlib.contextmanager
def atomic_file(path: Path, mode: str = "wb") -> Iterator[IO[Any]]:
    """Open a temp file beside ``path`` for writing; rename it over ``path`` on success.

    A crash or Ctrl-C mid-write never leaves half a file (checkpoints, params). The file
    gets the usual permissions for new files (0666 minus the umask).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, mode) as handle:
            yield handle
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def keep_only(path: Path, pattern: str) -> None:
    """Delete the files beside ``path`` that match the glob ``pattern``, except ``path``
    (e.g. replay buffers of older checkpoints: each holds the whole buffer)."""
    for other in path.parent.glob(pattern):
        if other != path:
            other.unlink(missing_ok=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_json(path: Path, data: Any) -> None:
    """Write JSON atomically (see :func:`atomic_file`)."""
    with atomic_file(path, "w") as handle:
        json.dump(data, handle, indent=2)
        handle.write("\n")


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


def saved_agent_cfg(checkpoint: Path, template: Any) -> Any:
    """The agent config a checkpoint was trained with, read from its run's params.

    Looks for ``params/agent.json`` in the checkpoint's directory and its parents (up to
    the run directory) and rebuilds it onto ``template``; returns ``template`` unchanged
    when the checkpoint has no saved params.
    """
    for parent in list(Path(checkpoint).parents)[:3]:
        saved = parent / "params" / "agent.json"
        if saved.is_file():
            try:
                data = json.loads(saved.read_text())
            except (OSError, ValueError) as error:
                raise RunLookupError(f"cannot read {saved}: {error}") from None
            return restore(data, template)
    return template


def write_params(run_dir: Path, env_cfg: Any, agent_cfg: Any, run_info: dict[str, Any]) -> None:
    """Write ``params/env.json``, ``params/agent.json`` and ``params/run.json``."""
    params = run_dir / "params"
    write_json(params / "env.json", to_jsonable(env_cfg))
    write_json(params / "agent.json", to_jsonable(agent_cfg))
    write_json(params / "run.json", run_info)


def run_info(task_id: str, seed: int, backend: str, distributions: list[str],
             extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The contents of ``params/run.json``: command line, seed, versions, git revision."""
    return {
        "task": task_id,
        "backend": backend,
        "argv": list(sys.argv),
        "seed": seed,
        "started": datetime.now().isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "versions": package_versions(["genelab-core", *distributions]),
        "git_revision": git_revision(),
        **(extra or {}),
    }
