"""``genelab plot``: episode return and length of runs against env steps and wall time,
drawn with matplotlib (the optional ``plot`` extra) into a PNG, PDF or SVG file."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from genelab.errors import GenelabError
from genelab.rl.curves import AXES, METRICS, Curve, load_runs, plotted_curves

FORMATS = (".png", ".pdf", ".svg")
_AXIS_LABELS = {"steps": "env steps (transitions)", "seconds": "wall time (s)"}
_METRIC_LABELS = {"Episode/return": "episode return", "Episode/length": "episode length (steps)"}


def check_output(path: Path) -> None:
    """Refuse an output whose suffix is not a format or whose folder cannot be written."""
    from genelab.files import check_writable_file

    if Path(path).suffix.lower() not in FORMATS:
        raise GenelabError(f"--out {path}: the suffix picks the format, one of "
                           f"{', '.join(FORMATS)}")
    check_writable_file(Path(path), "--out")


def plot_runs(paths: Iterable[Path], out: Path) -> dict[tuple[str, str], list[Curve]]:
    """Plot every run that ``paths`` name into ``out`` (written atomically); the curves
    of each ``(metric, axis)`` panel (see :func:`genelab.rl.curves.plotted_curves`)."""
    check_output(out)
    pyplot = _pyplot()
    panels = plotted_curves(load_runs(paths))
    figure, grid = pyplot.subplots(len(METRICS), len(AXES), figsize=(12, 8), squeeze=False)
    for row, metric in enumerate(METRICS):
        for column, axis in enumerate(AXES):
            _draw(grid[row][column], panels[metric, axis], metric, axis)
    handles, labels = grid[0][0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="lower center", ncol=min(3, max(1, len(labels))),
                  frameon=False)
    figure.suptitle("Episode return and length (several seeds of one configuration: "
                    "mean, band = min-max over seeds)")
    figure.tight_layout(rect=(0, 0.06 + 0.03 * (len(labels) // 3), 1, 0.96))
    from genelab.files import atomic_file

    try:
        with atomic_file(Path(out), "wb") as handle:
            figure.savefig(handle, format=Path(out).suffix.lower()[1:], dpi=120)
    finally:
        pyplot.close(figure)
    return panels


def _draw(axes, curves: list[Curve], metric: str, axis: str) -> None:
    for curve in curves:
        [line] = axes.plot(curve.x, curve.mean, label=curve.label, linewidth=1.6)
        if curve.runs > 1:
            axes.fill_between(curve.x, curve.low, curve.high, color=line.get_color(),
                              alpha=0.25, linewidth=0)
    axes.set_xlabel(_AXIS_LABELS[axis])
    axes.set_ylabel(_METRIC_LABELS[metric])
    axes.grid(True, alpha=0.3)


def _pyplot():
    """matplotlib's pyplot on the Agg backend (no display needed), or one error line."""
    try:
        import matplotlib
    except ImportError:
        raise GenelabError("genelab plot needs matplotlib: pip install "
                           "'genelab-core[plot]'") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as pyplot

    return pyplot
