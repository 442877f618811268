"""Registry numbers: year + sequence, unique and gap-free (R13).

The counter row is incremented inside the intake transaction, so a failed intake rolls its
number back and concurrent intakes queue on the row lock (PostgreSQL) or the write lock (SQLite).
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from models.reporting.tables import RegistryCounter


def format_registry_no(year: int, seq: int, series: str = "") -> str:
    return f"{year}-{series}{seq:06d}"


def next_registry_no(session: Session, year: int, series: str = "") -> tuple[str, int]:
    """Take the next number for ``year`` in the caller's transaction.

    ``series`` is a letter the intake node of a split deployment puts before the sequence, so
    its numbers and the internal node's (two counters in two databases) never collide.
    """
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(
        insert(RegistryCounter).values(year=year, last=0).on_conflict_do_nothing(
            index_elements=["year"]
        )
    )
    seq = session.execute(
        update(RegistryCounter)
        .where(RegistryCounter.year == year)
        .values(last=RegistryCounter.last + 1)
        .returning(RegistryCounter.last)
    ).scalar_one()
    return format_registry_no(year, seq, series), seq
