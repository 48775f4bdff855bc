"""``genelab plot``: learning curves of runs into an image file."""

from __future__ import annotations

from pathlib import Path

import typer


def plot(
    paths: list[Path] = typer.Argument(
        ..., metavar="PATH",
        help="Run directories, or folders whose run directories are all plotted "
             "(an experiment, a --seeds parent, logs/).",
    ),
    out: Path = typer.Option(Path("curves.png"), "--out",
                             help="Image to write; the suffix picks png, pdf or svg."),
) -> None:
    """Plot episode return and length against env steps and wall time.

    Runs of one configuration that differ only by seed become one curve: the mean, with
    a min-max band. Needs matplotlib (the plot extra of genelab-core).
    """
    from genelab.rl.plot import plot_runs

    plot_runs(paths, out)
    typer.echo(f"wrote {out}")
