"""Writing run files safely: atomic replacement, JSON, and cleanup after killed writers.

Every file a run holds (params, checkpoints, replay buffers, metrics) is written through
:func:`atomic_file`: a temp file beside the target, synced to disk and renamed over it on
success. The temp file's name carries the writing host (and its process-id namespace)
and process id, so a later writer or reader of the directory can remove the leftovers of
a process that was killed mid-write (:func:`remove_stale_temp_files`) without touching a
live writer's file.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from genelab.interrupts import deferred_interrupts


def _host_tag() -> str:
    """This host, and its process-id namespace when /proc tells it (containers share a
    host name but not their process ids)."""
    host = re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname()) or "host"
    try:
        return f"{host}-ns{os.stat('/proc/self/ns/pid').st_ino}"
    except OSError:
        return host


_HOST = _host_tag()
#: ``.<target name>.<host>.<pid>.<random>.tmp``
_TEMP_NAME = re.compile(r"^\..+\.(?P<host>[A-Za-z0-9-]+)\.(?P<pid>\d+)\.[^.]+\.tmp$")


@contextlib.contextmanager
def atomic_file(path: Path, mode: str = "wb") -> Iterator[IO[Any]]:
    """Open a temp file beside ``path`` for writing; rename it over ``path`` on success.

    A crash or Ctrl-C mid-write never leaves half a file: the old file (if any) stays
    until the new one is complete, and Ctrl-C / SIGTERM arriving during the write take
    effect once it is done (see :func:`genelab.interrupts.deferred_interrupts`). The file
    gets the usual permissions for new files (0666 minus the umask).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temp_files(path.parent)
    with deferred_interrupts():
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.{_HOST}.{os.getpid()}.",
                                   suffix=".tmp")
        try:
            with os.fdopen(fd, mode) as handle:
                yield handle
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, 0o666 & ~_umask())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        _sync_directory(path.parent)


def _sync_directory(directory: Path) -> None:
    """Make a rename in ``directory`` durable (best effort: not every OS opens folders)."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def remove_stale_temp_files(directory: Path) -> list[Path]:
    """Delete the temp files of :func:`atomic_file` in ``directory`` whose writer is gone.

    Only files written on this host by a process that no longer exists are removed;
    returns them.
    """
    removed = []
    try:
        entries = list(Path(directory).iterdir())
    except OSError:
        return removed
    for entry in entries:
        match = _TEMP_NAME.match(entry.name)
        if match and match["host"] == _HOST and not process_alive(int(match["pid"])):
            with contextlib.suppress(OSError):
                entry.unlink()
                removed.append(entry)
    return removed


def process_alive(pid: int) -> bool:
    """Whether a process ``pid`` exists on this host."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_json(path: Path, data: Any) -> None:
    """Write JSON atomically (see :func:`atomic_file`)."""
    with atomic_file(path, "w") as handle:
        json.dump(data, handle, indent=2)
        handle.write("\n")


def keep_only(path: Path, pattern: str) -> None:
    """Delete the files beside ``path`` that match the glob ``pattern``, except ``path``
    (e.g. replay buffers of older checkpoints: each holds the whole buffer)."""
    for other in path.parent.glob(pattern):
        if other != path:
            other.unlink(missing_ok=True)
