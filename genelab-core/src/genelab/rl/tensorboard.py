"""The run's TensorBoard writer: one event file per run, opened and closed by core.

A backend hands :meth:`genelab.rl.TrainContext.tensorboard` to its library instead of
letting the library open its own writer, so every backend writes one event file in the
run directory, only on rank 0, flushed and closed when training ends (Ctrl-C included).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from torch.utils.tensorboard import SummaryWriter

#: Seconds between flushes of pending events to disk.
FLUSH_SECS = 10


def open_summary_writer(run_dir: Path) -> SummaryWriter:
    """A ``torch.utils.tensorboard.SummaryWriter`` writing into ``run_dir``."""
    from torch.utils.tensorboard import SummaryWriter

    return SummaryWriter(log_dir=str(run_dir), flush_secs=FLUSH_SECS)
