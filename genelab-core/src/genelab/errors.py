"""Errors a user can cause and fix: the CLI prints them as one line and exits non-zero."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class GenelabError(Exception):
    """A user-facing error: bad input, missing package, missing file.

    The CLI prints ``str(error)`` as one line (no traceback) and exits with ``exit_code``.
    """

    exit_code = 2


class PluginError(GenelabError):
    """A plugin could not be loaded or its hook failed (raised only in strict mode)."""


def close_matches(word: str, candidates: Iterable[str], n: int = 3) -> list[str]:
    """Return up to ``n`` candidates that look like ``word`` (case-insensitive)."""
    candidates = list(candidates)
    lowered = {c.lower(): c for c in candidates}
    hits = difflib.get_close_matches(word.lower(), list(lowered), n=n, cutoff=0.5)
    return [lowered[h] for h in hits]


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """A ' Did you mean: a, b?' suffix, or '' when nothing is close."""
    hits = close_matches(word, candidates)
    return f" Did you mean: {', '.join(hits)}?" if hits else ""
