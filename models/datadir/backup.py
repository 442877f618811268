"""Backup and restore of both stores and the key files, portable between SQLite and PostgreSQL.

A backup is a directory: ``case.sqlite`` and ``vault.sqlite`` (every table of each store, copied
row by row through SQLAlchemy, so a PostgreSQL site can be restored onto SQLite and back),
``keys/`` (the intake key pair and session secrets) and ``manifest.json`` (schema heads, row counts,
the audit chain's head). Everything in it is as secret as the server itself: the intake private key
opens every clue. Keep backups offline and encrypted at rest.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, MetaData, create_engine, func, insert, select

from models.datadir.schema import target_metadata
from models.store.config import Config
from models.store.db import CaseBase, Stores, VaultBase
from models.store.errors import ClueGuardError

_BATCH = 500


class BackupError(ClueGuardError):
    """A backup that cannot be restored here (wrong schema version, stores not empty, damaged)."""


@dataclass(frozen=True)
class BackupSummary:
    rows: dict[str, int]
    path: Path


def _heads(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return sorted(MigrationContext.configure(conn).get_current_heads())


def _copy(src: Engine, dst: Engine, metadata: MetaData) -> dict[str, int]:
    counts: dict[str, int] = {}
    with src.connect() as read, dst.begin() as write:
        for table in metadata.sorted_tables:
            counts[table.name] = 0
            result = read.execution_options(yield_per=_BATCH).execute(select(table))
            for rows in result.partitions():
                write.execute(insert(table), [dict(r._mapping) for r in rows])
                counts[table.name] += len(rows)
    return counts


def _sqlite(path: Path) -> Engine:
    return create_engine(f"sqlite:///{path}")


def backup(config: Config, stores: Stores, dest: Path) -> BackupSummary:
    """Write a complete backup of both stores and the keys into the new directory ``dest``."""
    dest.mkdir(parents=True, mode=0o700)
    rows: dict[str, int] = {}
    manifest: dict[str, object] = {"format": 1, "heads": {}}
    for name, engine, base in (("case", stores.case_engine, CaseBase),
                               ("vault", stores.vault_engine, VaultBase)):
        target_metadata(name)
        out = _sqlite(dest / f"{name}.sqlite")
        base.metadata.create_all(out)
        rows.update({f"{name}.{k}": v for k, v in _copy(engine, out, base.metadata).items()})
        out.dispose()
        manifest["heads"][name] = _heads(engine)  # type: ignore[index]  # manifest is a JSON dict built above
    shutil.copytree(config.keys_dir, dest / "keys")
    manifest["rows"] = rows
    (dest / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return BackupSummary(rows, dest)


def restore(config: Config, stores: Stores, src: Path) -> BackupSummary:
    """Restore a backup into freshly initialised, empty stores and put its keys in place."""
    try:
        manifest = json.loads((src / "manifest.json").read_text())
    except (OSError, ValueError) as exc:
        raise BackupError("This is not a ClueGuard backup (manifest.json missing or damaged).") from exc
    rows: dict[str, int] = {}
    for name, engine, base in (("case", stores.case_engine, CaseBase),
                               ("vault", stores.vault_engine, VaultBase)):
        target_metadata(name)
        if manifest["heads"].get(name) != _heads(engine):
            raise BackupError("The backup was made by another schema version; restore it with the "
                              "ClueGuard version that made it, then upgrade.")
        with engine.connect() as conn:
            for table in base.metadata.sorted_tables:
                if table.name == "site_settings":
                    continue  # written by init; replaced below
                if conn.scalar(select(func.count()).select_from(table)):
                    raise BackupError("The target stores are not empty; restore into a new site.")
    for name, engine, base in (("case", stores.case_engine, CaseBase),
                               ("vault", stores.vault_engine, VaultBase)):
        with engine.begin() as conn:
            for table in base.metadata.sorted_tables:
                conn.execute(table.delete())
        source = _sqlite(src / f"{name}.sqlite")
        rows.update({f"{name}.{k}": v for k, v in _copy(source, engine, base.metadata).items()})
        source.dispose()
        _reset_sequences(engine, base.metadata)
    if rows != manifest["rows"]:
        raise BackupError("The backup is incomplete: row counts differ from its manifest.")
    if config.keys_dir.exists():
        shutil.rmtree(config.keys_dir)
    shutil.copytree(src / "keys", config.keys_dir)
    return BackupSummary(rows, src)


def _reset_sequences(engine: Engine, metadata: MetaData) -> None:
    """PostgreSQL serial columns must continue after the restored ids."""
    if engine.dialect.name != "postgresql":
        return
    with engine.begin() as conn:
        for table in metadata.sorted_tables:
            for column in table.primary_key.columns:
                if column.autoincrement is True or (column.autoincrement == "auto" and column.type.python_type is int
                                                    and len(table.primary_key.columns) == 1):
                    seq = conn.scalar(select(func.pg_get_serial_sequence(table.name, column.name)))
                    if seq:
                        top = conn.scalar(select(func.coalesce(func.max(column), 0)))
                        conn.execute(select(func.setval(seq, max(int(top or 0), 1), bool(top))))
