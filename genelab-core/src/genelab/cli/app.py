"""``genelab``: the typer application and its error handling."""

from __future__ import annotations

import functools
import os
import sys
import threading
from collections.abc import Callable
from typing import Any

import typer

from genelab.cli import listing, plotting, running
from genelab.errors import GenelabError
from genelab.interrupts import interrupt_on_sigint

try:  # typer >= 0.20 vendors click; older releases raise click's own exceptions
    from typer import TyperException as UsageProblem
except ImportError:  # pragma: no cover - depends on the installed typer
    from click import ClickException as UsageProblem

app = typer.Typer(
    name="genelab",
    help="Train and play registered robot-learning tasks through pluggable RL libraries.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(listing.list_app, name="list")
app.command("info")(listing.info)


def _interruptible(command: Callable[..., None]) -> Callable[..., None]:
    """Ctrl-C in a command: the line "interrupted" and exit code 130, no traceback (typer
    would exit 130 silently). ``train`` reports its own interruptions."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> None:
        try:
            command(*args, **kwargs)
        except KeyboardInterrupt:
            typer.echo("interrupted", err=True)
            raise typer.Exit(130) from None

    return run


app.command("train", context_settings=running.EXTRA_ARGS)(_interruptible(running.train))
app.command("play", context_settings=running.EXTRA_ARGS)(_interruptible(running.play))
app.command("eval", context_settings=running.EXTRA_ARGS)(_interruptible(running.evaluate))
app.command("export", context_settings=running.EXTRA_ARGS)(_interruptible(running.export))
app.command("plot")(_interruptible(plotting.plot))


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"genelab {version('genelab-core')}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Show the version and exit."),
) -> None:
    """Train and play registered robot-learning tasks through pluggable RL libraries."""


def main() -> None:
    """Console entry point: user errors become one line on stderr and a non-zero exit.

    Besides :class:`GenelabError`, file-system errors (a full disk, a read-only folder)
    and bad flags are user errors too. ``GENELAB_DEBUG=1`` shows the traceback instead.
    """
    interrupt_on_sigint()
    threading.excepthook = _thread_failed
    try:
        code = app(standalone_mode=False)
    except GenelabError as error:
        _fail(str(error), error.exit_code, error)
    except OSError as error:
        _fail(file_error_line(error), 1, error)
    except typer.Abort:
        typer.echo("aborted", err=True)
        sys.exit(1)
    except UsageProblem as error:  # bad flags, missing arguments
        where = getattr(getattr(error, "ctx", None), "command_path", None) or "genelab"
        _fail(f"{error.format_message()} (see: {where} --help)", error.exit_code, error)
    sys.exit(code if isinstance(code, int) else 0)


def _thread_failed(args: threading.ExceptHookArgs) -> None:
    """A background writer's file-system error is not printed where it happens: the
    writer re-raises it in the command, which reports it as one line."""
    if issubclass(args.exc_type, OSError) and not os.environ.get("GENELAB_DEBUG"):
        return
    threading.__excepthook__(args)


def _fail(message: str, code: int, error: BaseException) -> None:
    if os.environ.get("GENELAB_DEBUG"):
        raise error
    if os.environ.get("LOCAL_RANK", "0") == "0":  # under --gpus: one line per machine
        typer.echo(f"error: {' '.join(message.split())}", err=True)
    sys.exit(code)


def file_error_line(error: OSError) -> str:
    """``<path>: <cause>`` of a file-system error (both paths of a failed rename)."""
    cause = error.strerror or str(error)
    if error.filename is None:
        return f"file system error: {cause}"
    paths = str(error.filename) + (f" -> {error.filename2}" if error.filename2 else "")
    return f"{paths}: {cause}"
