"""Runs on disk: layout, the one resolver ("latest", numbers, regex), task filter, state, names."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime

import pytest
from genelab import hookimpl
from genelab.errors import GenelabError
from genelab.files import atomic_file, remove_stale_temp_files, write_json
from genelab.rl import Backend, BackendConfig
from genelab.runs import (
    Run,
    RunLookupError,
    check_name,
    find_runs,
    new_run_dir,
    resolve_checkpoint,
    run_info,
    write_params,
)
from genelab.serialization import ParamsError, to_jsonable

TASK, OTHER = "GeneLab-Cartpole-v0", "GeneLab-Pendulum-v0"


@dataclass
class FakeAgentCfg(BackendConfig):
    width: int = 8


class FakeBackend(Backend):
    name = "fake"
    config_type = FakeAgentCfg
    checkpoint_pattern = r"model_(\d+)\.pt"

    def train(self, ctx):  # pragma: no cover - never trained here
        raise NotImplementedError

    def inference_policy(self, ctx):  # pragma: no cover
        raise NotImplementedError


class FakePlugin:
    @hookimpl
    def genelab_backends(self):
        return [FakeBackend()]


@pytest.fixture(autouse=True)
def fake_backend(register_plugin):
    register_plugin(FakePlugin(), name="fake-backend")


def make_run(root, stamp: str, name: str = "", checkpoints=(), task: str = TASK,
             status: str = "complete", experiment: str = "exp", preset: str | None = None):
    run = new_run_dir(root, "fake", experiment, name,
                      now=datetime.strptime(stamp, "%Y-%m-%d_%H-%M-%S"))
    info = {**run_info(task, 1, "fake", "fake-backend"), "status": status, "preset": preset}
    write_params(run, {"dt": 0.1}, FakeAgentCfg(), info)
    for number in checkpoints:
        (run / f"model_{number}.pt").write_text("x")
    return run


def test_run_dir_layout_and_same_second_runs_are_all_found(tmp_path):
    now = datetime(2026, 1, 2, 3, 4, 5)
    first = new_run_dir(tmp_path, "fake", "cartpole", "try", now=now)
    second = new_run_dir(tmp_path, "fake", "cartpole", "try", now=now)
    third = make_run(tmp_path, "2026-01-02_03-04-05", "try", checkpoints=(1,),
                     experiment="cartpole")
    assert first == tmp_path / "fake" / "cartpole" / "2026-01-02_03-04-05_try"
    assert [second.name, third.name] == ["2026-01-02_03-04-05-1_try", "2026-01-02_03-04-05-2_try"]
    for run in (first, second):
        write_params(run, {}, FakeAgentCfg(), run_info(TASK, 1, "fake", "fake-backend"))
    runs, _ = find_runs(tmp_path, TASK)
    assert [r.path for r in runs] == [first, second, third]  # chronological, suffixes included
    assert resolve_checkpoint("latest", task_id=TASK, log_root=tmp_path).run.path == third
    assert resolve_checkpoint("latest", task_id=TASK, log_root=tmp_path,
                              run="-2_try$").run.path == third
    (second / "model_4.pt").write_text("x")
    assert resolve_checkpoint("4", task_id=TASK, log_root=tmp_path,
                              run="-1_").path == second / "model_4.pt"


def test_latest_is_chronological_and_skips_empty_runs_with_a_note(tmp_path):
    make_run(tmp_path, "2026-03-01_10-00-00", "zzz", checkpoints=(5,))
    newest = make_run(tmp_path, "2026-03-02_09-00-00", "aaa", checkpoints=(1, 3))
    make_run(tmp_path, "2026-03-03_09-00-00", "crashed", status="running")  # no checkpoint
    choice = resolve_checkpoint("latest", task_id=TASK, log_root=tmp_path)
    assert choice.path == newest / "model_3.pt" and choice.run.path == newest
    assert choice.notes == ("skipped 1 newer run(s) without checkpoints: "
                            "fake/exp/2026-03-03_09-00-00_crashed",)
    assert resolve_checkpoint("1", task_id=TASK, log_root=tmp_path).path == newest / "model_1.pt"


def test_runs_of_other_tasks_are_never_picked(tmp_path):
    mine = make_run(tmp_path, "2026-03-01_10-00-00", checkpoints=(2,))
    theirs = make_run(tmp_path, "2026-03-02_10-00-00", checkpoints=(7,), task=OTHER)
    assert resolve_checkpoint("latest", task_id=TASK, log_root=tmp_path).run.path == mine
    with pytest.raises(RunLookupError, match=f"trained {OTHER}, not {TASK}"):
        resolve_checkpoint(str(theirs), task_id=TASK, log_root=tmp_path)
    with pytest.raises(RunLookupError, match=f"trained {OTHER}, not {TASK}"):
        resolve_checkpoint(str(theirs / "model_7.pt"), task_id=TASK, log_root=tmp_path)
    with pytest.raises(RunLookupError, match=f"no runs of {TASK} found"):
        resolve_checkpoint("latest", task_id=TASK, log_root=tmp_path / "nowhere")


def test_run_regex_searches_backend_experiment_and_run_and_names_candidates(tmp_path):
    wanted = make_run(tmp_path, "2026-03-01_10-00-00", "flat", checkpoints=(1,))
    make_run(tmp_path, "2026-03-02_10-00-00", "rough", checkpoints=(1,), experiment="other")
    assert resolve_checkpoint("latest", task_id=TASK, log_root=tmp_path,
                              run="fla").run.path == wanted
    assert resolve_checkpoint("latest", task_id=TASK, log_root=tmp_path,
                              run="^fake/exp/").run.path == wanted
    with pytest.raises(RunLookupError, match="matching 'stairs'.*fake/other/2026-03-02_10-00-00_rough"):
        resolve_checkpoint("latest", task_id=TASK, log_root=tmp_path, run="stairs")
    with pytest.raises(RunLookupError, match="bad run pattern"):
        resolve_checkpoint("latest", task_id=TASK, log_root=tmp_path, run="(")


def test_preset_filter_and_numbers_sort_numerically(tmp_path):
    run = make_run(tmp_path, "2026-03-01_10-00-00", checkpoints=(9, 10, 100, 2), preset="fast")
    make_run(tmp_path, "2026-03-02_10-00-00", checkpoints=(1,))
    choice = resolve_checkpoint("latest", task_id=TASK, log_root=tmp_path, preset="fast")
    assert choice.path.name == "model_100.pt" and choice.run.path == run
    opened = Run.open(run)
    assert opened.checkpoint(10).name == "model_10.pt"
    with pytest.raises(RunLookupError, match=r"no checkpoint 11 .*available: 2, 9, 10, 100"):
        opened.checkpoint("11")


def test_a_checkpoint_outside_any_run_is_accepted_with_a_note(tmp_path):
    loose = tmp_path / "copied" / "model_3.pt"
    loose.parent.mkdir()
    loose.write_text("x")
    choice = resolve_checkpoint(str(loose), task_id=TASK, log_root=tmp_path)
    assert choice.run is None and "outside any run directory" in choice.notes[0]
    with pytest.raises(RunLookupError, match="does not exist"):
        resolve_checkpoint(str(tmp_path / "nope.pt"), task_id=TASK, log_root=tmp_path)
    with pytest.raises(RunLookupError, match="is not a run directory"):
        resolve_checkpoint(str(loose.parent), task_id=TASK, log_root=tmp_path)


def test_state_tells_complete_interrupted_killed_and_empty(tmp_path):
    done = Run.open(make_run(tmp_path, "2026-03-01_10-00-00", "a", checkpoints=(1,)))
    stopped = Run.open(make_run(tmp_path, "2026-03-01_10-00-01", "b", checkpoints=(1,),
                                status="interrupted"))
    empty = Run.open(make_run(tmp_path, "2026-03-01_10-00-02", "c"))
    killed_dir = make_run(tmp_path, "2026-03-01_10-00-03", "d", checkpoints=(1,),
                          status="running")
    info = json.loads((killed_dir / "params" / "run.json").read_text())
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    write_json(killed_dir / "params" / "run.json", {**info, "pid": int(dead)})
    live = make_run(tmp_path, "2026-03-01_10-00-04", "e", checkpoints=(1,), status="running")
    assert [done.state, stopped.state, empty.state] == ["complete", "interrupted", "empty"]
    assert Run.open(killed_dir).state == "interrupted" and Run.open(live).state == "running"
    done.mark("interrupted")
    assert Run.open(done.path).info["status"] == "interrupted" and "ended" in done.info


@pytest.mark.parametrize("name", ["../../x", "/tmp/abs", "a/b", "..", "a\\b", " padded"])
def test_names_cannot_leave_the_log_root(tmp_path, name):
    with pytest.raises(GenelabError, match="plain folder name"):
        check_name(name, "agent.experiment_name")
    with pytest.raises(GenelabError, match="plain folder name"):
        new_run_dir(tmp_path, "fake", "exp", name)
    assert not (tmp_path / "fake" / "exp").exists() or not any((tmp_path / "fake" / "exp").iterdir())


def test_saved_agent_type_must_be_an_installed_config_and_is_never_imported(tmp_path, monkeypatch):
    run = make_run(tmp_path, "2026-03-01_10-00-00", checkpoints=(1,))
    marker = tmp_path / "imported"
    (tmp_path / "evil_cfg.py").write_text(f"open({str(marker)!r}, 'w').write('x')\nclass Cfg: pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    agent = json.loads((run / "params" / "agent.json").read_text())
    write_json(run / "params" / "agent.json", {**agent, "__type__": "evil_cfg.Cfg"})

    class Task:
        def agent_cfg(self, preset):
            return FakeAgentCfg()

    with pytest.raises(ParamsError, match="type 'evil_cfg.Cfg' is not a BackendConfig"):
        Run.open(run).agent_cfg(Task())
    assert not marker.exists()
    write_json(run / "params" / "agent.json", {**agent, "width": "wide"})
    with pytest.raises(ParamsError, match=r"agent.json: agent.width: expected int, got 'wide'"):
        Run.open(run).agent_cfg(Task())
    write_json(run / "params" / "agent.json", {**agent, "width": 32})
    assert Run.open(run).agent_cfg(Task()) == FakeAgentCfg(width=32)


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


def test_temp_files_of_killed_writers_are_removed_live_ones_kept(tmp_path):
    writer = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True).stdout.strip()
        with atomic_file(tmp_path / "probe") as handle:  # learn this host's temp-name format
            host = next(p for p in tmp_path.iterdir() if p.name != "probe").name.split(".")[2]
            handle.write(b"x")
        stale = tmp_path / f".model_4.pt.{host}.{dead}.abcd1234.tmp"
        live = tmp_path / f".model_5.pt.{host}.{writer.pid}.efgh5678.tmp"
        foreign = tmp_path / f".model_6.pt.otherhost.{dead}.ijkl9012.tmp"
        for path in (stale, live, foreign):
            path.write_bytes(b"half")
        assert remove_stale_temp_files(tmp_path) == [stale]
        assert live.exists() and foreign.exists()
        run = make_run(tmp_path / "logs", "2026-03-01_10-00-00")
        leftover = run / "checkpoints" / f".agent_4.pt.{host}.{dead}.abcd1234.tmp"
        leftover.parent.mkdir()
        leftover.write_bytes(b"half")
        Run.open(run)  # opening a run cleans it, its subfolders included
        stale.write_bytes(b"half")
        write_json(tmp_path / "params.json", {})  # and so does every atomic write
        assert not leftover.exists() and not stale.exists()
    finally:
        writer.kill()
