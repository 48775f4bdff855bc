"""Run directories and the one resolver: chronological 'latest', numeric iterations."""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass
from datetime import datetime

import pytest
from genelab.runs import (
    RunLookupError,
    atomic_file,
    find_checkpoint,
    new_run_dir,
    resolve_checkpoint,
    resolve_run,
    write_json,
)
from genelab.serialization import to_jsonable

PATTERN = r"model_(\d+)\.pt"


def make_run(root, stamp: str, name: str = "", checkpoints=()):
    run = new_run_dir(root, "rsl_rl", "exp", name, now=datetime.strptime(stamp, "%Y-%m-%d_%H-%M-%S"))
    for it in checkpoints:
        (run / f"model_{it}.pt").write_text("x")
    return run


def test_run_dir_layout_and_no_reuse(tmp_path):
    now = datetime(2026, 1, 2, 3, 4, 5)
    first = new_run_dir(tmp_path, "rsl_rl", "cartpole", "try", now=now)
    second = new_run_dir(tmp_path, "rsl_rl", "cartpole", "try", now=now)
    assert first == tmp_path / "rsl_rl" / "cartpole" / "2026-01-02_03-04-05_try"
    assert second != first and second.is_dir()


def test_latest_is_chronological_not_alphabetical(tmp_path):
    make_run(tmp_path, "2026-03-01_10-00-00", "zzz")
    newest = make_run(tmp_path, "2026-03-02_09-00-00", "aaa")
    assert resolve_run(tmp_path / "rsl_rl" / "exp") == newest


def test_run_regex_and_candidates_in_error(tmp_path):
    wanted = make_run(tmp_path, "2026-03-01_10-00-00", "flat")
    make_run(tmp_path, "2026-03-02_10-00-00", "rough")
    parent = tmp_path / "rsl_rl" / "exp"
    assert resolve_run(parent, "fla") == wanted
    with pytest.raises(RunLookupError, match="no run matching 'stairs'.*2026-03-02_10-00-00_rough"):
        resolve_run(parent, "stairs")


def test_iterations_sort_numerically(tmp_path):
    run = make_run(tmp_path, "2026-03-01_10-00-00", checkpoints=(9, 10, 100, 2))
    assert resolve_checkpoint(run, "latest", PATTERN).name == "model_100.pt"
    assert resolve_checkpoint(run, 10, PATTERN).name == "model_10.pt"
    with pytest.raises(RunLookupError, match=r"no checkpoint 11 .*available: 2, 9, 10, 100"):
        resolve_checkpoint(run, "11", PATTERN)


def test_find_checkpoint_accepts_path_dir_latest_and_number(tmp_path):
    make_run(tmp_path, "2026-03-01_10-00-00", checkpoints=(5,))
    newest = make_run(tmp_path, "2026-03-02_10-00-00", checkpoints=(1, 3))
    parent = tmp_path / "rsl_rl" / "exp"
    assert find_checkpoint("latest", parent, "latest", PATTERN) == newest / "model_3.pt"
    assert find_checkpoint("1", parent, "latest", PATTERN) == newest / "model_1.pt"
    assert find_checkpoint(str(newest), parent, "latest", PATTERN) == newest / "model_3.pt"
    assert find_checkpoint(str(newest / "model_1.pt"), parent, "", PATTERN) == newest / "model_1.pt"
    with pytest.raises(RunLookupError, match="does not exist"):
        find_checkpoint(str(tmp_path / "nope.pt"), parent, "latest", PATTERN)
    with pytest.raises(RunLookupError, match="no runs found"):
        find_checkpoint("latest", tmp_path / "empty", "latest", PATTERN)


def test_write_json_is_atomic_and_serializes_configs(tmp_path):
    @dataclass
    class Cfg:
        dt: float = 0.1
        func: object = len
        shape: tuple = (1, 2)

    target = tmp_path / "params" / "env.json"
    write_json(target, to_jsonable(Cfg()))
    data = json.loads(target.read_text())
    assert data["dt"] == 0.1 and data["func"] == "builtins:len" and data["shape"] == [1, 2]
    assert data["__type__"].endswith("Cfg")
    assert [p.name for p in target.parent.iterdir()] == ["env.json"]
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask


def test_atomic_file_keeps_the_old_file_when_writing_fails(tmp_path):
    target = tmp_path / "model_1.pt"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_file(target) as handle:
        handle.write(b"half")
        raise RuntimeError("disk full")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["model_1.pt"]
