"""Writing the blind index: one clue at a time as the staff side reads it, or all at once.

The staff side (the only holder of the intake private key) opens each clue, normalises what it
names (``models.linking.normalise``) and stores keyed tokens. ``catch_up`` indexes the clues not
yet indexed (a search and the case page's links call it, so a clue is indexed when the staff side
first looks across clues after it arrived: submitted, registered or imported); ``rebuild`` indexes
every clue in batches, resumable, for an existing store or after a key change (``fresh``).
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Callable, Iterable
from typing import Any, cast

from sqlalchemy import Engine, Table, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

import vault
from models.linking.normalise import HASH_KIND, clue_values
from models.linking.tables import ClueIndexed, ClueToken
from models.reporting.sealed import data_key_context, report_context
from models.reporting.tables import DataKey, Report
from models.store.db import utcnow
from models.store.runtime import Runtime

BATCH = 1000
# How far back a search's catch-up looks for clues not yet indexed (newest first).
RECENT = 2000
TOKENS = cast(Table, ClueToken.__table__)
INDEXED = cast(Table, ClueIndexed.__table__)


def _insert(session: Session, table: Table, rows: list[dict[str, Any]], bulk: bool) -> None:
    """Rows into one of the index's tables, in the session's transaction. ``bulk`` (the rebuild's
    batches) on PostgreSQL: COPY, one stream instead of psycopg's round trip a row — 0.42 against
    0.62 ms a clue in all (``bench linking``). The catch-up's few rows keep the plain insert, whose
    conflict with another worker's arrives as SQLAlchemy's IntegrityError (``catch_up``)."""
    connection = session.connection()
    if not bulk or connection.dialect.name != "postgresql":
        session.execute(table.insert(), rows)
        return
    columns = list(rows[0])
    driver = cast(Any, connection.connection.driver_connection)  # psycopg's, live in this transaction
    with driver.cursor() as cursor, cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[column] for column in columns])


def index_key(rt: Runtime) -> bytes:
    """The blind-index key: only a process holding the intake private key can derive it."""
    return vault.index_key(rt.require_private())


def tokens_of(key: bytes, values: Iterable[tuple[str, str]]) -> set[tuple[str, bytes]]:
    """(stored kind, token) for each (kind, value)."""
    return {(kind, vault.blind_token(key, HASH_KIND[kind], value)) for kind, value in values}


def open_clue(private: bytes, report: Any, sealed: bytes) -> dict[str, Any]:
    """The clue as submitted (a row with id, data_key_id, content), opened on the staff side."""
    data_key = vault.open_data_key(sealed, private, data_key_context(report.id, report.data_key_id))
    clue = json.loads(vault.decrypt_blob(data_key, report.content, report_context(report.id)))
    return clue if isinstance(clue, dict) else {}


def _index_batch(session: Session, private: bytes, key: bytes, ids: list[str], new: bool = False) -> int:
    """Index these clues; ``new``: none of them has rows yet (the catch-up's, found unmarked), so
    there is nothing to delete first."""
    rows = session.execute(
        select(Report.id, Report.data_key_id, Report.content, DataKey.sealed)
        .join(DataKey, DataKey.id == Report.data_key_id)
        .where(Report.id.in_(ids), Report.state != "destroyed")).all()
    tokens: list[dict[str, Any]] = []
    for row in rows:
        for kind, token in tokens_of(key, clue_values(open_clue(private, row, row.sealed))):
            tokens.append({"report_id": row.id, "kind": kind, "token": token})
    if not new:
        session.execute(delete(ClueToken).where(ClueToken.report_id.in_(ids)))
    if tokens:
        _insert(session, TOKENS, tokens, bulk=not new)
    now = utcnow()
    if not new:
        session.execute(delete(ClueIndexed).where(ClueIndexed.report_id.in_(ids)))
    # Every id is marked, also one without a readable key, so a rebuild never loops on it.
    _insert(session, INDEXED, [{"report_id": report_id, "indexed_at": now} for report_id in ids], bulk=not new)
    return len(ids)


def _pending(session: Session, limit: int) -> list[str]:
    done = select(ClueIndexed.report_id).where(ClueIndexed.report_id == Report.id).exists()
    return list(session.scalars(select(Report.id).where(Report.state != "destroyed", ~done)
                                .order_by(Report.id).limit(limit)))


def index_clues(rt: Runtime, session: Session, report_ids: list[str], new: bool = False) -> None:
    """(Re-)index these clues in the caller's transaction (imported on an internal node, say)."""
    private, key = rt.require_private(), index_key(rt)
    for start in range(0, len(report_ids), BATCH):
        _index_batch(session, private, key, report_ids[start:start + BATCH], new)


# Per database, the clues this process has seen marked indexed: a search's catch-up then asks the
# index only about the newest clues it has not seen yet (usually none), instead of probing
# ``clue_indexed`` 2 000 times a search. Only committed marks are remembered; ``rebuild --fresh``
# forgets them; a destroyed clue leaves the window by its state. Bounded: forgotten whole when full.
_SEEN: weakref.WeakKeyDictionary[Engine, set[str]] = weakref.WeakKeyDictionary()
SEEN_MAX = 50_000


def _seen(session: Session) -> set[str]:
    engine = session.get_bind()
    if not isinstance(engine, Engine):
        engine = engine.engine
    return _SEEN.setdefault(engine, set())


def catch_up(rt: Runtime, session: Session) -> int:
    """Index the newest clues not indexed yet (the newest ``RECENT`` by arrival), in the caller's
    transaction; returns how many. One small query through ``ix_reports_created`` when nothing
    waits, whatever the store's size; older clues are ``rebuild``'s (after an upgrade, say)."""
    seen = _seen(session)
    newest = session.execute(select(Report.id, Report.state).order_by(Report.created_at.desc()).limit(RECENT))
    unseen = [report_id for report_id, state in newest if state != "destroyed" and report_id not in seen]
    if not unseen:
        return 0
    marked = set(session.scalars(select(ClueIndexed.report_id).where(ClueIndexed.report_id.in_(unseen))))
    if len(seen) + len(marked) > SEEN_MAX:
        seen.clear()
    seen.update(marked)  # committed already; those indexed below are seen at the next look
    ids = [report_id for report_id in unseen if report_id not in marked]
    if not ids:
        return 0
    try:
        # Unmarked means never indexed or forgotten by --fresh (which deletes the tokens too).
        with session.begin_nested():
            index_clues(rt, session, ids, new=True)
    except IntegrityError:
        # Another worker indexed them between our look and our insert (two searches at once on
        # PostgreSQL; SQLite's BEGIN IMMEDIATE serialises them): its rows stand, ours are undone.
        return 0
    return len(ids)


def rebuild(rt: Runtime, *, fresh: bool = False, progress: Callable[[int, int], None] | None = None) -> int:
    """Index every clue not indexed yet, one committed batch at a time (stop and run again to resume);
    ``fresh`` forgets the whole index first (after a change of the intake key)."""
    private, key = rt.require_private(), index_key(rt)
    with rt.stores.case() as session:
        if fresh:
            _seen(session).clear()
            session.execute(delete(ClueToken))
            session.execute(delete(ClueIndexed))
        done = select(ClueIndexed.report_id).where(ClueIndexed.report_id == Report.id).exists()
        total = len(session.scalars(select(Report.id).where(Report.state != "destroyed", ~done)).all())
    count = 0
    while True:
        with rt.stores.case() as session:
            ids = _pending(session, BATCH)
            if not ids:
                return count
            count += _index_batch(session, private, key, ids)
        if progress:
            progress(count, total)
