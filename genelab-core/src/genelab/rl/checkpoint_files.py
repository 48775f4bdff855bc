"""Checkpoint files for every backend: written atomically, read without running code.

A checkpoint may come from anywhere (a colleague, a download), so it is read with
``torch.load(weights_only=True)``: tensors, numbers, strings and containers of them, and
nothing that pickle would have to import or call. Files holding anything else are
refused with one line. torch is imported when a file is written or read.
"""

from __future__ import annotations

import pickle
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from genelab.errors import GenelabError
from genelab.files import atomic_file

if TYPE_CHECKING:
    import torch

#: How torch names the global a weights-only load refused.
_GLOBAL = re.compile(r"GLOBAL ([\w.]+)")


class UnsafeCheckpointError(GenelabError):
    """A checkpoint file holds Python objects other than tensors and plain data."""


def save_checkpoint_file(state: Any, path: Path) -> None:
    """``torch.save(state)`` through :func:`genelab.files.atomic_file`: never half a file."""
    import torch

    with atomic_file(Path(path)) as handle:
        torch.save(state, handle)


def load_checkpoint_file(path: Path | Any, device: str | torch.device, name: str = "") -> Any:
    """Read a file written by :func:`save_checkpoint_file` (or a file object) on ``device``.

    ``name`` is how messages call it (default: the path). A file that needs code to load
    is an :class:`UnsafeCheckpointError`; an unreadable one a :class:`GenelabError`.
    """
    import torch

    label = name or str(path)
    try:
        return torch.load(path, map_location=device, weights_only=True)
    except pickle.UnpicklingError as error:
        needed = _GLOBAL.search(str(error))
        if needed:
            raise UnsafeCheckpointError(
                f"refusing to load {label}: it needs the Python object {needed[1]}, and "
                "loading objects could run code (GeneLab checkpoints hold tensors and numbers "
                "only)") from None
        raise GenelabError(f"cannot read checkpoint {label}: not a torch file of tensors "
                           "(truncated or corrupt?)") from None
    except Exception as error:  # torch.load fails in many ways on a bad file
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise GenelabError(f"cannot read checkpoint {label}: {reason}") from None
