"""Helpers for end-to-end tests: run the real ``genelab`` command in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest


@pytest.fixture
def genelab(tmp_path):
    """Run ``genelab ARGS`` in ``tmp_path`` (or ``cwd``); return the CompletedProcess."""

    def run(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
            timeout: float = 600) -> subprocess.CompletedProcess:
        full_env = {**os.environ, "COLUMNS": "200", **(env or {})}
        return subprocess.run([sys.executable, "-m", "genelab", *args], cwd=cwd or tmp_path,
                              env=full_env, capture_output=True, text=True, timeout=timeout)

    return run


@pytest.fixture
def plugin_site(tmp_path):
    """Write a fake installed distribution; returns an env dict putting it on PYTHONPATH."""
    site = tmp_path / "site"
    site.mkdir()

    def install(name: str, version: str, entry_points: str, modules: dict[str, str]) -> dict:
        info = site / f"{name.replace('-', '_')}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
        (info / "entry_points.txt").write_text(textwrap.dedent(entry_points))
        for module, source in modules.items():
            (site / f"{module}.py").write_text(textwrap.dedent(source))
        path = os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))
        return {"PYTHONPATH": path}

    return install


@pytest.fixture
def assert_one_line_error():
    """Check a user error: non-zero exit, one 'error:' line on stderr, no traceback."""
    return _assert_one_line_error


def _assert_one_line_error(result: subprocess.CompletedProcess, *fragments: str) -> None:
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
