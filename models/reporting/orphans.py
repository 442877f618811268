"""Orphaned sealed identities: what a crash between intake's two writes can leave (``clueguard doctor``).

Intake writes the vault store first and commits, then the case store; a crash in between leaves a
sealed identity that no report points to. It is harmless, and these find and remove it.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from models.identities.sealing import delete_identity
from models.identities.tables import SealedIdentityRow
from models.reporting.tables import Report
from models.store.db import Stores, as_utc, utcnow


def find_orphans(stores: Stores, older_than: timedelta = timedelta(minutes=10)) -> list[str]:
    """Sealed identities that no report points to (a crash between the two writes)."""
    cutoff = utcnow() - older_than
    with stores.vault() as session:
        candidates = session.execute(
            select(SealedIdentityRow.id, SealedIdentityRow.created_at)
        ).all()
    old = [i for i, at in candidates if as_utc(at) < cutoff]
    if not old:
        return []
    with stores.case() as session:
        referenced = set(session.scalars(select(Report.identity_id).where(Report.identity_id.in_(old))))
    return [i for i in old if i not in referenced]


def remove_orphans(stores: Stores, older_than: timedelta = timedelta(minutes=10)) -> int:
    return sum(delete_identity(stores, identity_id) for identity_id in find_orphans(stores, older_than))
