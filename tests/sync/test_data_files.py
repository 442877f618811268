"""Every file of a node's data directory is its owner's alone (0600): databases, their -wal and
-shm files, keys, the role file; ``init`` tightens files an older version left 0644."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from models.datadir.setup import init_site
from models.reporting import intake
from tests.conftest import submission


def loose_files(data_dir: Path) -> list[str]:
    return [f"{p.relative_to(data_dir)} {stat.filemode(p.stat().st_mode)}"
            for p in sorted(data_dir.rglob("*")) if p.is_file() and p.stat().st_mode & 0o077]


@pytest.mark.parametrize("umask", [0o022, 0o002])
def test_every_data_file_is_created_owner_only(nodes, backend: str, umask: int) -> None:
    old = os.umask(umask)
    try:
        nodes.sync()
        intake.submit_report(nodes.public(), submission())
        nodes.sync()
    finally:
        os.umask(old)
    for config in (nodes.intake, nodes.internal):
        if backend == "sqlite":
            assert {"case.db", "case.db-wal", "vault.db-wal"} <= {p.name for p in config.data_dir.iterdir()}
        assert loose_files(config.data_dir) == []


def test_init_tightens_what_an_older_version_left_readable(nodes, backend: str) -> None:
    paths = [nodes.intake.data_dir / "role", nodes.intake.keys_dir / "sync.pub"]
    paths += [nodes.intake.data_dir / "case.db"] if backend == "sqlite" else []
    for path in paths:
        path.chmod(0o644)
    assert len(loose_files(nodes.intake.data_dir)) == len(paths)
    init_site(nodes.intake)
    assert loose_files(nodes.intake.data_dir) == []


def test_an_sqlite_store_is_born_owner_only(tmp_path: Path) -> None:
    """Whoever opens a store first (a server, the bot, a command), not only ``init``."""
    from sqlalchemy import text

    from models.store.db import Stores

    old = os.umask(0o022)
    try:
        stores = Stores(f"sqlite:///{tmp_path / 'case.db'}", f"sqlite:///{tmp_path / 'vault.db'}")
        with stores.case() as session:
            session.execute(text("CREATE TABLE t (x)"))
        with stores.vault() as session:
            session.execute(text("CREATE TABLE t (x)"))
        assert {p.name for p in tmp_path.iterdir()} >= {"case.db", "case.db-wal", "case.db-shm", "vault.db-wal"}
        assert loose_files(tmp_path) == []
        stores.dispose()
    finally:
        os.umask(old)
