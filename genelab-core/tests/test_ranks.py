"""The end-of-training check that all ranks hold the same learner: digests and two real
gloo processes."""

from __future__ import annotations

import os
import socket

import pytest
import torch
import torch.multiprocessing as mp
from genelab.errors import GenelabError
from genelab.rl.ranks import agree_across_ranks, join_process_group, leave_process_group, state_digest


def test_digest_sees_every_bit_name_and_shape() -> None:
    state = {"policy": {"w": torch.arange(6.0).reshape(2, 3), "b": torch.zeros(3)},
             "optimizer": {"step": torch.tensor(4), "lr": 1e-3, "groups": [0, 1]}}
    clone = {"optimizer": {"groups": [0, 1], "lr": 1e-3, "step": torch.tensor(4)},
             "policy": {"b": torch.zeros(3), "w": torch.arange(6.0).reshape(2, 3)}}
    assert state_digest(state) == state_digest(clone)  # key order does not matter
    flipped = {**state, "policy": {**state["policy"], "b": torch.tensor([0.0, -0.0, 0.0])}}
    reshaped = {**state, "policy": {**state["policy"], "w": torch.arange(6.0).reshape(3, 2)}}
    renamed = {**state, "value": state["policy"]}
    del renamed["policy"]
    digests = {state_digest(s) for s in (state, flipped, reshaped, renamed)}
    assert len(digests) == 4


def _rank(rank: int, port: int, differ: bool, results: dict) -> None:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank),
                      WORLD_SIZE="2")
    join_process_group("cpu")
    try:
        weights = torch.ones(4)
        if differ and rank == 1:
            weights[2] = torch.nextafter(torch.tensor(1.0), torch.tensor(2.0))  # one ulp
        try:
            results[rank] = agree_across_ranks({"policy": weights}, "the test learner")
        except GenelabError as error:
            results[rank] = f"error: {error}"
    finally:
        leave_process_group()


@pytest.mark.parametrize("differ", [False, True])
def test_ranks_agree_or_are_named(differ: bool) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with mp.Manager() as manager:
        results = manager.dict()
        mp.spawn(_rank, args=(port, differ, results), nprocs=2, join=True)
        results = dict(results)
    if differ:
        assert results[0] == results[1] == (
            "error: the test learner differs between the ranks after training: rank(s) 1 "
            "disagree with rank 0, so the processes did not learn together")
    else:
        assert results[0] == results[1] == state_digest({"policy": torch.ones(4)})
