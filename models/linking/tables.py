"""The blind index (issue 24): keyed tokens only, never a name, number or place in clear.

``clue_tokens`` holds one row per (clue, kind, token); ``clue_indexed`` marks the clues already
indexed, so ``clueguard index rebuild`` resumes where it stopped and a search first indexes the
clues the staff side has not read yet. Both are derived from clue content: destruction (R22)
deletes a clue's rows (``info["derived_from_content"]``, models/confidentiality/destruction.py).
Neither is granted to the public app's role (models/datadir/roles.py: staff only).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from models.reporting.tables import UUID_LEN
from models.store.db import CaseBase, utcnow


class ClueToken(CaseBase):
    """One keyed token of one clue: HMAC of a normalised value under the staff side's index key."""

    __tablename__ = "clue_tokens"
    __table_args__ = (
        Index("ix_clue_tokens_token", "token"),
        Index("ix_clue_tokens_report", "report_id"),
        {"info": {"derived_from_content": True}},
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    # person, official, alias, surname, organisation, place, phone, plate, id_number
    kind: Mapped[str] = mapped_column(String(16))
    token: Mapped[bytes] = mapped_column(LargeBinary(16))


class ClueIndexed(CaseBase):
    """A clue whose tokens are in ``clue_tokens`` (under the current index key)."""

    __tablename__ = "clue_indexed"
    __table_args__ = ({"info": {"derived_from_content": True}},)

    report_id: Mapped[str] = mapped_column(String(UUID_LEN), ForeignKey("reports.id", ondelete="CASCADE"),
                                           primary_key=True)
    indexed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
