"""Wheels of every distribution install NON-editable into a fresh venv and find each other."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheels_install_and_list_backends():
    result = subprocess.run(
        [sys.executable, "-m", "nox", "-f", str(ROOT / "noxfile.py"), "-s", "wheels"],
        cwd=ROOT, capture_output=True, text=True, timeout=1200,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    for dist in ("genelab-backend-rslrl", "genelab-backend-skrl", "genelab-backend-sb3",
                 "genelab-sim-mujoco"):
        assert dist in output
    assert "plugin failures" not in output
