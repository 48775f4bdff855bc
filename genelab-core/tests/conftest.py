"""Fixtures for core tests: in-process fake plugins and on-disk fake distributions."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest
from genelab.plugins import get_host


@pytest.fixture
def register_plugin():
    """Register plugin objects on the live plugin manager; unregister them afterwards."""
    manager = get_host().manager
    registered = []

    def register(plugin: object, name: str | None = None) -> object:
        manager.register(plugin, name=name)
        registered.append(plugin)
        return plugin

    yield register
    for plugin in registered:
        manager.unregister(plugin)


def write_distribution(root: Path, name: str, version: str, entry_points: str,
                       modules: dict[str, str]) -> None:
    """Write an installed-looking distribution (dist-info + modules) under ``root``."""
    info = root / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    (info / "entry_points.txt").write_text(textwrap.dedent(entry_points))
    for module, source in modules.items():
        (root / f"{module}.py").write_text(textwrap.dedent(source))


@pytest.fixture
def fake_dist(tmp_path, monkeypatch):
    """Install fake distributions into directories put on sys.path for this test.

    Call ``fake_dist(name, version, entry_points, modules, site="site")``.
    """
    added: set[Path] = set()

    def install(name: str, version: str, entry_points: str, modules: dict[str, str],
                site: str = "site") -> Path:
        root = tmp_path / site
        if root not in added:
            root.mkdir(exist_ok=True)
            monkeypatch.syspath_prepend(str(root))
            added.add(root)
        write_distribution(root, name, version, entry_points, modules)
        return root

    yield install
    for name in list(sys.modules):
        if name.startswith("fake_genelab_"):
            del sys.modules[name]
