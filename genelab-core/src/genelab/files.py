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
import shutil
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
            handle = os.fdopen(fd, mode)
            try:
                yield handle
                handle.flush()
                os.fsync(handle.fileno())
            except OSError as error:
                _close_quietly(handle)
                raise _naming(error, path) from None
            except Exception as error:
                cause = _write_failure(handle)  # e.g. torch.save reports a full disk
                _close_quietly(handle)          # as "unexpected pos"
                if cause is None:
                    raise
                raise _naming(cause, path) from error
            except BaseException:
                _close_quietly(handle)
                raise
            handle.close()
            os.chmod(tmp, 0o666 & ~_umask())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        _sync_directory(path.parent)


def _naming(error: OSError, path: Path) -> OSError:
    """``error`` with ``path`` (the file being written, not its temp file) as its file name."""
    return OSError(error.errno, error.strerror or str(error), str(path))


def _close_quietly(handle: IO[Any]) -> None:
    """Close a temp file that is being given up (its unwritten buffer fails again)."""
    with contextlib.suppress(OSError):
        handle.close()


def _write_failure(handle: IO[Any]) -> OSError | None:
    """The file-system error behind a failed write, found by writing one more byte to the
    (doomed) temp file: a full disk or a file-size limit fail it again; ``None`` if not."""
    if handle.closed:
        return None
    try:
        handle.write(b"\0" if "b" in handle.mode else "\0")
        handle.flush()
        os.fsync(handle.fileno())
    except OSError as error:
        return error
    except ValueError:  # the caller's own mistake with the handle: keep its error
        return None
    return None


def existing_ancestor(path: Path) -> Path:
    """``path`` or the nearest of its parents that exists."""
    path = Path(path).absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def check_writable_dir(path: Path, what: str, shown: Path | None = None) -> None:
    """Refuse (one line naming ``what`` and ``shown``, default ``path``) a directory that
    cannot be made or written: a file in the way, no write permission, a read-only file
    system."""
    from genelab.errors import GenelabError

    ancestor = existing_ancestor(path)
    label = f"{what} {shown or path}"
    if not ancestor.is_dir():
        raise GenelabError(f"{label}: {ancestor} is a file, not a directory")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        cause = "read-only file system" if _read_only(ancestor) else "permission denied"
        raise GenelabError(f"{label}: cannot write in {ancestor} ({cause})")


def check_writable_file(path: Path, what: str) -> None:
    """Refuse an output file that cannot be written: a directory of that name, or a folder
    that cannot be made or written (see :func:`check_writable_dir`)."""
    from genelab.errors import GenelabError

    path = Path(path)
    if path.is_dir():
        raise GenelabError(f"{what} {path} is a directory; name a file")
    if path.exists() and not os.access(path, os.W_OK):
        raise GenelabError(f"{what} {path}: cannot overwrite it (permission denied)")
    check_writable_dir(path.parent, what, shown=path)


def _read_only(path: Path) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):
        return False


def remove_tree(path: Path, keep: Path) -> None:
    """Delete ``path`` and then its parents that are left empty, up to (not including)
    ``keep``: what a run that saved nothing leaves is what was there before it."""
    shutil.rmtree(path, ignore_errors=True)
    keep = Path(keep).absolute()
    parent = Path(path).absolute().parent
    while parent != keep and keep in parent.parents:
        try:
            parent.rmdir()
        except OSError:  # not empty (another run) or not ours to remove
            return
        parent = parent.parent


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
    text = json.dumps(data, indent=2)
    with atomic_file(path, "w") as handle:
        handle.write(text)
        handle.write("\n")


def keep_only(path: Path, pattern: str) -> None:
    """Delete the files beside ``path`` that match the glob ``pattern``, except ``path``
    (e.g. replay buffers of older checkpoints: each holds the whole buffer)."""
    for other in path.parent.glob(pattern):
        if other != path:
            other.unlink(missing_ok=True)
