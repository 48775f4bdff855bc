"""Sessions: tests (all distributions), wheels (non-editable install check, examples/
included; CI's .ci/examples also runs their tests and the CLI), lint, learning, bench.

Every session installs torch through constraints.txt, so pip takes the pinned CPU build.
"""

from __future__ import annotations

import glob
import os
import shutil
from pathlib import Path

import nox

nox.options.default_venv_backend = "venv"
nox.options.sessions = ["tests", "wheels"]

ROOT = Path(__file__).parent
CONSTRAINTS = ("-c", str(ROOT / "constraints.txt"))
DISTRIBUTIONS = ("genelab-core", "genelab-backend-rslrl", "genelab-backend-skrl",
                 "genelab-backend-sb3", "genelab-sim-mujoco")
EXAMPLES = ("examples/genelab-backend-cem", "examples/genelab-example-tasks")


@nox.session
def tests(session: nox.Session) -> None:
    """The whole suite against editable installs (what the README's test command runs)."""
    session.install(*CONSTRAINTS, "-r", "requirements-dev.txt")
    session.run("python", "-m", "pytest", *session.posargs)


@nox.session
def wheels(session: nox.Session) -> None:
    """Build a wheel of every distribution, install them NON-editable, list the backends."""
    out = Path(session.create_tmp()) / "wheels"
    shutil.rmtree(out, ignore_errors=True)
    for dist in (*DISTRIBUTIONS, *EXAMPLES):
        session.run("python", "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out),
                    str(ROOT / dist))
    built = sorted(glob.glob(str(out / "*.whl")))
    session.install(*CONSTRAINTS, *built)
    session.chdir(session.create_tmp())  # away from the source tree
    listing = session.run("genelab", "list", "backends", silent=True) or ""
    print(listing)
    for backend, dist in (("rsl_rl", "rslrl"), ("skrl", "skrl"), ("sb3", "sb3"), ("cem", "cem")):
        if f"\n{backend} " not in listing or f"genelab-backend-{dist}" not in listing:
            session.error(f"the {backend} backend is missing from 'genelab list backends'")
    if "plugin failures" in listing:
        session.error("a plugin failed to load from the installed wheels")
    tasks = session.run("genelab", "list", "tasks", silent=True) or ""
    if "GeneLab-Cartpole-v0" not in tasks or "GeneLab-HalfCheetah-v0" not in tasks:
        session.error("built-in or MuJoCo tasks are missing from 'genelab list tasks'")
    engines = session.run("genelab", "list", "engines", silent=True) or ""
    if "genelab-sim-mujoco" not in engines:
        session.error("the mujoco engine is missing from 'genelab list engines'")


@nox.session
def lint(session: nox.Session) -> None:
    """ruff over every distribution, the tests and the benchmarks."""
    session.install("ruff")
    session.run("ruff", "check", ".")


@nox.session
def learning(session: nox.Session) -> None:
    """Only the learning tests (agents must reach their thresholds)."""
    session.install(*CONSTRAINTS, "-r", "requirements-dev.txt")
    session.run("python", "-m", "pytest", "-m", "learning", *session.posargs)


@nox.session
def bench(session: nox.Session) -> None:
    """Run every benchmark script and print its figures."""
    session.install(*CONSTRAINTS, "-r", "requirements-dev.txt")
    for script in sorted(glob.glob(str(ROOT / "benchmarks" / "bench_*.py"))):
        session.run("python", script, env={"PYTHONHASHSEED": os.environ.get("PYTHONHASHSEED", "0")})
