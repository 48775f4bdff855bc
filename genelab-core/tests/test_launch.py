"""The --gpus launcher's env split and the torchrun command it builds (runs: tests/)."""

from __future__ import annotations

from pathlib import Path

import pytest
from genelab.errors import GenelabError
from genelab.rl.launch import LaunchRequest, envs_per_rank, torchrun_args


def test_num_envs_is_the_total_and_splits_evenly() -> None:
    assert envs_per_rank(2, None, None, default_total=64) == 32
    assert envs_per_rank(4, 16, None, default_total=64) == 4
    assert envs_per_rank(3, None, 5, default_total=64) == 5
    assert envs_per_rank(3, 15, 5, default_total=64) == 5
    for args, message in [((2, 15, None), "does not split evenly over --gpus 2"),
                          ((4, 2, None), "does not split evenly"),
                          ((2, 10, 4), "contradicts"),
                          ((2, None, 0), "--num-envs-per-gpu must be at least 1"),
                          ((0, None, None), "--gpus must be at least 1")]:
        with pytest.raises(GenelabError, match=message):
            envs_per_rank(*args, default_total=64)


def test_ranks_get_the_split_the_shared_run_and_the_resolved_checkpoint() -> None:
    request = LaunchRequest("GeneLab-Cartpole-v0", gpus=2, num_envs=16, preset="p",
                            override_args=("--env.sim.dt", "0.01"), max_iterations=5, seed=3,
                            resume=True, profile=True)
    args = torchrun_args(request, 8, Path("/runs/r1"), Path("/runs/r0/model_9.pt"))
    assert args[:5] == ["--standalone", "--nproc_per_node=2", "-m", "genelab", "train"]
    assert args[5:] == ["GeneLab-Cartpole-v0", "--num-envs", "8", "--run-dir", "/runs/r1",
                        "--preset", "p", "--max-iterations", "5", "--seed", "3",
                        "--checkpoint", "/runs/r0/model_9.pt", "--profile",
                        "--env.sim.dt", "0.01"]


def test_several_nodes_use_a_static_rendezvous_on_node_0() -> None:
    request = LaunchRequest("GeneLab-Cartpole-v0", gpus=4, nnodes=2, node_rank=1,
                            rdzv_endpoint="node0:29500")
    request.check_nodes()
    args = torchrun_args(request, 8, Path("/scratch"), None)
    assert args[:4] == ["--nnodes=2", "--node-rank=1", "--rdzv-endpoint=node0:29500",
                        "--nproc_per_node=4"]
    assert request.processes == "--gpus 4 x --nnodes 2"
    assert envs_per_rank(8, 64, None, default_total=1, label=request.processes) == 8
