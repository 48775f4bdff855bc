"""Learning curves of runs: find run directories, read their TensorBoard scalars, and
aggregate runs of one configuration that differ only by seed.

The metrics schema (see :mod:`genelab.rl.metrics`) puts total env transitions on the
step axis; ``Time/elapsed_s`` is the wall time of the run at each step.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from genelab.errors import GenelabError
from genelab.runs import Run

#: The scalars plotted, each against env steps and wall time.
METRICS = ("Episode/return", "Episode/length")
ELAPSED = "Time/elapsed_s"
#: Axes of a curve: env transitions or wall seconds since the run started.
AXES = ("steps", "seconds")
#: Top-level keys of params/agent.json and params/env.json that do not tell configurations apart.
_SEED_KEYS = ("seed", "run_name")


@dataclass(frozen=True)
class Series:
    """One scalar of one run: ``y`` at ``x`` (increasing)."""

    x: list[float]
    y: list[float]


@dataclass(frozen=True)
class RunCurves:
    """The plotted scalars of one run.

    Attributes:
        path: The run directory.
        task: The task id (``params/run.json``).
        backend: The backend name.
        preset: The preset, or ``None``.
        config: The configuration identity: everything but seed and run name.
        series: ``(metric, axis)`` -> its series (see :data:`METRICS`, :data:`AXES`).
    """

    path: Path
    task: str
    backend: str
    preset: str | None
    config: str
    series: dict[tuple[str, str], Series]


@dataclass(frozen=True)
class Curve:
    """A plotted line: one run, or the mean of a configuration's seeds with a min-max band.

    Attributes:
        label: The legend label.
        runs: How many runs it aggregates.
        x: The grid (for several runs: evenly spaced over the range all of them cover).
        mean: The mean over the runs at ``x``.
        low: The minimum over the runs at ``x``.
        high: The maximum over the runs at ``x``.
    """

    label: str
    runs: int
    x: list[float]
    mean: list[float]
    low: list[float]
    high: list[float]


def find_run_dirs(paths: Iterable[Path]) -> list[Path]:
    """The run directories (holding ``params/run.json``) that ``paths`` name: a run
    directory itself, or every run directory below any other directory."""
    found: list[Path] = []
    for path in map(Path, paths):
        if not path.is_dir():
            raise GenelabError(f"{path}: no such directory")
        runs = [path] if _is_run(path) else sorted(
            info.parent.parent for info in path.rglob("params/run.json") if info.is_file())
        if not runs:
            raise GenelabError(f"{path}: no run directory (with params/run.json) in it")
        found += [run for run in runs if run not in found]
    return found


def _is_run(path: Path) -> bool:
    return (path / "params" / "run.json").is_file()


def read_scalars(run_dir: Path) -> dict[str, list[tuple[int, float, float]]]:
    """Every scalar of the event files in ``run_dir`` (and its folders): tag -> sorted
    ``(step, wall_time, value)``; a step written twice (a resume) keeps the later write."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    by_tag: dict[str, dict[int, tuple[float, float]]] = {}
    for events in sorted(run_dir.rglob("events.out.tfevents.*")):
        accumulator = EventAccumulator(str(events), size_guidance={"scalars": 0})
        accumulator.Reload()
        for tag in accumulator.Tags()["scalars"]:
            points = by_tag.setdefault(tag, {})
            for event in accumulator.Scalars(tag):
                if event.step not in points or points[event.step][0] <= event.wall_time:
                    points[event.step] = (event.wall_time, event.value)
    return {tag: [(step, *points[step]) for step in sorted(points)]
            for tag, points in by_tag.items()}


def config_identity(run: Run) -> str:
    """Task, backend, preset and the saved agent and env configs without their top-level
    seed and run name, as one string: equal for runs that differ only by seed."""
    params = {name: _without_seed(_read(run.path / "params" / f"{name}.json"))
              for name in ("agent", "env")}
    return json.dumps({"task": run.task_id, "backend": run.backend, "preset": run.preset,
                       **params}, sort_keys=True)


def _read(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None  # a run without (readable) params differs from every run that has them


def _without_seed(data: Any) -> Any:
    if not isinstance(data, dict):
        return data
    return {key: value for key, value in data.items() if key not in _SEED_KEYS}


def run_curves(run_dir: Path) -> RunCurves | None:
    """The plotted scalars of ``run_dir``, or ``None`` when it has no ``Episode/return``.

    The wall-time axis is ``Time/elapsed_s`` at the same step, or (runs without it) the
    event's wall time minus the run's first one.
    """
    run = Run.open(run_dir, clean=False)
    scalars = read_scalars(run_dir)
    if "Episode/return" not in scalars:
        return None
    elapsed = {step: value for step, _, value in scalars.get(ELAPSED, ())}
    start = min(wall for points in scalars.values() for _, wall, _ in points)
    series = {}
    for metric in METRICS:
        points = scalars.get(metric, [])
        series[metric, "steps"] = Series([float(s) for s, _, _ in points], [v for *_, v in points])
        timed = sorted((elapsed[s] if elapsed else wall - start, v) for s, wall, v in points
                       if not elapsed or s in elapsed)
        series[metric, "seconds"] = Series([t for t, _ in timed], [v for _, v in timed])
    return RunCurves(run_dir, run.task_id, run.backend, run.preset, config_identity(run), series)


def load_runs(paths: Iterable[Path]) -> list[RunCurves]:
    """The curves of every run that ``paths`` name (see :func:`find_run_dirs`); a run
    without ``Episode/return`` is named in a note on stderr and skipped."""
    loaded, skipped = [], []
    for run_dir in find_run_dirs(paths):
        curves = run_curves(run_dir)
        if curves is None:
            skipped.append(run_dir)
            print(f"note: {run_dir} has no Episode/return scalars (an older run?): skipped",
                  file=sys.stderr)
        else:
            loaded.append(curves)
    if not loaded:
        raise GenelabError(f"none of the {len(skipped)} run(s) found has Episode/return "
                           f"scalars: {', '.join(map(str, skipped))}")
    return loaded


def group_by_config(runs: Sequence[RunCurves]) -> list[list[RunCurves]]:
    """Runs of one configuration (see :func:`config_identity`) together, in first-seen order."""
    groups: dict[str, list[RunCurves]] = {}
    for run in runs:
        groups.setdefault(run.config, []).append(run)
    return list(groups.values())


def aggregate(series: Sequence[Series], label: str) -> Curve | None:
    """The mean and min-max band of ``series`` on a common grid: as many evenly spaced
    points as the longest series, over the range every series covers (linear
    interpolation). ``None`` when they share no range or a series is empty."""
    import numpy as np

    if any(not s.x for s in series):
        return None
    if len(series) == 1:
        [only] = series
        return Curve(label, 1, only.x, only.y, only.y, only.y)
    low, high = max(s.x[0] for s in series), min(s.x[-1] for s in series)
    if low >= high:
        return None
    grid = np.linspace(low, high, max(len(s.x) for s in series))
    values = np.stack([np.interp(grid, s.x, s.y) for s in series])
    return Curve(label, len(series), grid.tolist(), values.mean(0).tolist(),
                 values.min(0).tolist(), values.max(0).tolist())


def group_label(group: Sequence[RunCurves]) -> str:
    """``backend · task[ · preset] (N seeds)`` for several runs, ``(<run dir name>)``
    in place of the count for one."""
    first = group[0]
    preset = f" · {first.preset}" if first.preset else ""
    count = f"{len(group)} seeds" if len(group) > 1 else first.path.name
    return f"{first.backend} · {first.task}{preset} ({count})"


def plotted_curves(runs: Sequence[RunCurves]) -> dict[tuple[str, str], list[Curve]]:
    """``(metric, axis)`` -> the curves of that panel: one per configuration (one whose
    runs cannot be aggregated there is named in a note on stderr)."""
    groups = group_by_config(runs)
    labels = [group_label(group) for group in groups]
    labels = [label if labels.count(label) == 1 else f"{label} [{group[0].path.name}]"
              for label, group in zip(labels, groups, strict=True)]
    panels: dict[tuple[str, str], list[Curve]] = {}
    for metric in METRICS:
        for axis in AXES:
            panels[metric, axis] = []
            for group, label in zip(groups, labels, strict=True):
                curve = aggregate([run.series[metric, axis] for run in group], label)
                if curve is None:
                    print(f"note: {label}: its runs share no range of {axis} with {metric} "
                          "values: left out of that panel", file=sys.stderr)
                else:
                    panels[metric, axis].append(curve)
    return panels
