"""The synchronized running scaler: two real gloo processes with batches of different
sizes (one of a single row) end with the statistics of their batches together."""

from __future__ import annotations

import os
import socket

import torch
import torch.multiprocessing as mp
from genelab.rl.ranks import join_process_group, leave_process_group
from genelab_backend_skrl.preprocessors import SynchronizedStandardScaler
from gymnasium import spaces

SPACE = spaces.Box(-10.0, 10.0, (3,))


def batches() -> tuple[torch.Tensor, torch.Tensor]:
    """Rank 0's five rows and rank 1's one."""
    rows = torch.randn(6, 3, generator=torch.Generator().manual_seed(3)) * 2 + 1
    return rows[:5], rows[5:]


def _rank(rank: int, port: int, results: dict) -> None:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank),
                      WORLD_SIZE="2")
    join_process_group("cpu")
    try:
        scaler = SynchronizedStandardScaler(SPACE, device="cpu")
        scaler(batches()[rank], train=True)
        results[rank] = {name: value.clone() for name, value in scaler.state_dict().items()}
    finally:
        leave_process_group()


def test_ranks_share_the_statistics_of_all_their_rows() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with mp.Manager() as manager:
        results = manager.dict()
        mp.spawn(_rank, args=(port, results), nprocs=2, join=True)
        results = dict(results)
    alone = SynchronizedStandardScaler(SPACE, device="cpu")  # no process group: skrl's own
    alone(torch.cat(batches()), train=True)
    expected = alone.state_dict()
    for rank in (0, 1):
        got = results[rank]
        for name, value in expected.items():
            assert got[name].dtype == value.dtype, (rank, name)
            assert torch.equal(got[name], results[0][name]), (rank, name)  # bit-identical
            assert torch.allclose(got[name], value, rtol=1e-5, atol=1e-6), (rank, name, got)
