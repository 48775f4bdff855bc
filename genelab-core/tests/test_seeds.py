"""``--seeds``: parsing, the GPU slices of parallel children and the summary
(end to end: tests/test_cli_seeds_video.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from genelab.errors import GenelabError
from genelab.rl.seeds import (
    SeedRun,
    device_slices,
    format_table,
    parse_seeds,
    summarize,
    visible_gpus,
)


def test_seeds_parse_in_order_and_bad_lists_are_refused() -> None:
    assert parse_seeds("3, 1,2") == [3, 1, 2]
    assert parse_seeds("7") == [7]
    for bad in ("", ",", "1,,2", "1;2", "a"):
        with pytest.raises(GenelabError, match="comma list of integers"):
            parse_seeds(bad)
    with pytest.raises(GenelabError, match="lists 1, 2 more than once"):
        parse_seeds("1,2,1,2")


def test_each_parallel_child_gets_its_own_gpus() -> None:
    assert device_slices(["0", "1", "2", "3"], gpus=2, parallel=2) == ["0,1", "2,3"]
    assert device_slices(["4", "6", "7"], gpus=1, parallel=3) == ["4", "6", "7"]
    assert device_slices(["0", "1", "2"], gpus=1, parallel=2) == ["0", "1"]  # one left idle
    with pytest.raises(GenelabError, match="--parallel 2 x --gpus 2 needs 4 GPUs; 3 are "
                                           r"visible \(0,1,2\)"):
        device_slices(["0", "1", "2"], gpus=2, parallel=2)


def test_visible_gpus_follow_cuda_visible_devices(monkeypatch) -> None:
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "2, 5,GPU-ab")
    assert visible_gpus() == ["2", "5", "GPU-ab"]
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    assert visible_gpus() == []


def run(seed: int, code: int | None, reward: float | None = None) -> SeedRun:
    info = {"status": "complete", "result": {"iterations": 4, "mean_reward": reward}}
    return SeedRun(seed, Path(f"p/seed_{seed}"), Path(f"p/seed_{seed}.log"), [], code,
                   info if code == 0 else {})


def test_summary_counts_complete_seeds_only() -> None:
    runs = [run(1, 0, 10.0), run(2, 0, 14.0), run(3, 1), run(4, None)]
    summary = summarize(runs)
    assert [s["status"] for s in summary["seeds"]] == ["complete", "complete", "failed",
                                                       "not started"]
    final = summary["final_return"]
    assert final["seeds"] == 2 and final["mean"] == 12.0 and final["std"] == pytest.approx(2.83,
                                                                                         abs=0.01)
    assert (final["min"], final["max"]) == (10.0, 14.0)
    lines = format_table(runs, summary).splitlines()
    assert lines[1].split() == ["1", "complete", "4", "10.00"]
    assert lines[3].split() == ["3", "failed", "-", "-"]
    assert lines[-1] == ("final return over 2 complete seed(s): mean 12.00, std 2.83, "
                         "min-max 10.00..14.00")
