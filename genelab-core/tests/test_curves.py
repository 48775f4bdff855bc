"""``genelab plot``'s data: run discovery, the event reader, grouping by configuration
and the mean/min-max aggregation over seeds, on event files written here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from genelab.errors import GenelabError
from genelab.rl.curves import Series, aggregate, find_run_dirs, load_runs, plotted_curves


def make_run(root: Path, name: str, seed: int, returns: list[float], *, step: int = 100,
             elapsed: bool = True, lr: float = 1e-3, tags: bool = True) -> Path:
    """A run directory with params and an event file: ``Episode/return`` = ``returns``
    at steps ``step, 2 * step, ...``, ``Time/elapsed_s`` = 2 s per iteration."""
    from torch.utils.tensorboard import SummaryWriter

    run = root / name
    (run / "params").mkdir(parents=True)
    (run / "params" / "run.json").write_text(json.dumps(
        {"task": "GeneLab-Cartpole-v0", "backend": "rsl_rl", "preset": None, "seed": seed}))
    (run / "params" / "agent.json").write_text(json.dumps(
        {"seed": seed, "run_name": name, "learning_rate": lr}))
    (run / "params" / "env.json").write_text(json.dumps({"seed": seed, "num_envs": 16}))
    writer = SummaryWriter(str(run))
    for i, value in enumerate(returns, 1):
        if tags:
            writer.add_scalar("Episode/return", value, i * step)
            writer.add_scalar("Episode/length", 10 * value, i * step)
        if elapsed:
            writer.add_scalar("Time/elapsed_s", 2.0 * i, i * step)
        writer.add_scalar("Loss/value", 0.5, i * step)
    writer.close()
    return run


def test_discovery_takes_run_dirs_and_every_run_below_a_folder(tmp_path):
    a = make_run(tmp_path / "exp", "a", 1, [1.0])
    b = make_run(tmp_path / "exp" / "seeds", "b", 2, [1.0])
    assert find_run_dirs([a]) == [a]
    assert find_run_dirs([tmp_path, a]) == [a, b]
    (tmp_path / "empty").mkdir()
    with pytest.raises(GenelabError, match="empty: no run directory"):
        find_run_dirs([tmp_path / "empty"])
    with pytest.raises(GenelabError, match="nowhere: no such directory"):
        find_run_dirs([tmp_path / "nowhere"])


def test_seeds_of_one_configuration_become_one_mean_with_a_min_max_band(tmp_path):
    make_run(tmp_path, "s1", 1, [0.0, 10.0, 20.0])              # steps 100..300
    make_run(tmp_path, "s2", 2, [10.0, 20.0, 30.0, 40.0])      # steps 100..400
    make_run(tmp_path, "other", 1, [5.0, 5.0], lr=3e-4)         # another configuration
    panels = plotted_curves(load_runs([tmp_path]))
    other, seeds = panels["Episode/return", "steps"]  # in path order
    assert (seeds.label, seeds.runs) == ("rsl_rl · GeneLab-Cartpole-v0 (2 seeds)", 2)
    assert (other.label, other.runs) == ("rsl_rl · GeneLab-Cartpole-v0 (other)", 1)
    # the common grid covers the overlap 100..300 with as many points as the longest run
    assert seeds.x == pytest.approx([100, 200 / 3 + 100, 400 / 3 + 100, 300])
    s1 = [0.0, 20 / 3, 40 / 3, 20.0]
    s2 = [10.0, 50 / 3, 70 / 3, 30.0]
    assert seeds.mean == pytest.approx([(a + b) / 2 for a, b in zip(s1, s2, strict=True)])
    assert seeds.low == pytest.approx(s1) and seeds.high == pytest.approx(s2)
    # wall time: Time/elapsed_s at the same step (2 s per iteration)
    timed = panels["Episode/length", "seconds"][1]
    assert timed.x[0] == 2.0 and timed.x[-1] == 6.0 and timed.mean[0] == pytest.approx(50.0)


def test_wall_time_falls_back_to_event_times(tmp_path):
    make_run(tmp_path, "old", 1, [1.0, 2.0], elapsed=False)
    [curve] = plotted_curves(load_runs([tmp_path]))["Episode/return", "seconds"]
    assert curve.x[0] == pytest.approx(0.0, abs=1.0) and curve.x == sorted(curve.x)


def test_runs_without_episode_return_are_noted_and_skipped(tmp_path, capsys):
    make_run(tmp_path, "old", 1, [1.0], tags=False)
    with pytest.raises(GenelabError, match="none of the 1 run"):
        load_runs([tmp_path])
    make_run(tmp_path, "new", 1, [1.0])
    assert [run.path.name for run in load_runs([tmp_path])] == ["new"]
    assert "old has no Episode/return" in capsys.readouterr().err


def test_aggregate_refuses_disjoint_ranges():
    assert aggregate([Series([0.0, 1.0], [1.0, 1.0]), Series([2.0, 3.0], [1.0, 1.0])], "x") is None


def test_genelab_plot_writes_one_curve_per_configuration(tmp_path):
    import subprocess
    import sys

    for seed in (1, 2, 3):
        make_run(tmp_path / "logs", f"seed{seed}", seed, [1.0 * seed, 2.0 * seed, 3.0])
    out = tmp_path / "figs" / "curves.png"

    def genelab(*args):
        return subprocess.run([sys.executable, "-m", "genelab", "plot", *args], cwd=tmp_path,
                              capture_output=True, text=True, timeout=120)

    result = genelab("logs", "--out", str(out))
    assert result.returncode == 0 and result.stdout.strip() == f"wrote {out}", result.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 10_000
    [curve] = plotted_curves(load_runs([tmp_path / "logs"]))["Episode/return", "steps"]
    assert curve.runs == 3
    for args, message in ((("logs", "--out", "c.jpg"), "--out c.jpg: the suffix picks"),
                          (("nowhere",), "nowhere: no such directory")):
        failed = genelab(*args)
        lines = failed.stderr.splitlines()
        assert failed.returncode != 0 and len(lines) == 1, failed.stderr
        assert lines[0].startswith(f"error: {message}"), failed.stderr


def test_missing_matplotlib_is_one_line_with_the_pip_hint(tmp_path, monkeypatch):
    import sys

    from genelab.rl.plot import plot_runs

    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(GenelabError, match=r"pip install 'genelab-core\[plot\]'"):
        plot_runs([tmp_path], tmp_path / "c.png")
