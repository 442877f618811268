"""Optional "you have a reply" notices for reporters who asked for them (R6).

A front end that can reach a reporter (the Telegram bot) stores an address sealed with a key only
it holds; the case store alone reveals nothing about who is subscribed. No staff page reads this
table. A subscription ends when its case closes (or is merged, not accepted, destroyed), or when
the reporter asks (``unsubscribe_from_replies``). One address gets one subscription per report:
the front end, which alone can open the sealed addresses, says which stored one is the same.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, LargeBinary, String, delete, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.audit import trail
from models.reporting.tables import UUID_LEN, Message, Report
from models.store.db import CaseBase, utcnow
from models.store.errors import NotFound
from models.store.runtime import Runtime

# A notice is pointless, and the stored address a needless link, once nothing more will be said.
CLOSED_STATES = frozenset({"closed", "archived", "destroyed", "not_accepted", "merged"})


class ReplySubscription(CaseBase):
    """A sealed address to tell a reporter that staff replied; never shown on staff pages."""

    __tablename__ = "reply_subscriptions"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    # Encrypted by the front end with its own key; opaque to the case store and the staff side.
    sealed_address: Mapped[bytes] = mapped_column(LargeBinary)
    # How many staff messages the reporter has already been told about.
    staff_seen: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


@dataclass(frozen=True)
class ReplyNotice:
    subscription_id: str
    report_id: str
    sealed_address: bytes
    staff_messages: int


def _staff_count(session: Session, report_ids: list[str]) -> dict[str, int]:
    rows = session.execute(
        select(Message.report_id, func.count()).where(Message.report_id.in_(report_ids),
                                                      Message.direction == "staff")
        .group_by(Message.report_id)
    ).all()
    return {report_id: count for report_id, count in rows}


# Does a stored sealed address point where this one does? Only the front end can tell (it holds
# the key); the case store sees ciphertext, which differs for every sealing of one address.
SameAddress = Callable[[bytes], bool]


def subscribe_to_replies(rt: Runtime, report_id: str, channel: str, sealed_address: bytes,
                         same_address: SameAddress | None = None) -> str:
    """Ask to be told when staff reply; only new replies count. Returns the subscription id.

    With ``same_address``, an existing subscription of this report to the same address is
    returned instead of adding a second one (one subscription per report per chat).
    """
    with rt.stores.case() as session:
        report = session.get(Report, report_id)
        if report is None or report.state in CLOSED_STATES:
            raise NotFound
        if same_address is not None:
            for existing in session.scalars(select(ReplySubscription).where(
                    ReplySubscription.report_id == report_id, ReplySubscription.channel == channel)):
                if same_address(existing.sealed_address):
                    return existing.id
        sub = ReplySubscription(id=str(uuid.uuid4()), report_id=report_id, channel=channel,
                                sealed_address=sealed_address,
                                staff_seen=_staff_count(session, [report_id]).get(report_id, 0))
        session.add(sub)
        trail.record(session, f"reporter:{channel}", "notify.subscribed", report_id)
        return sub.id


def due_reply_notices(rt: Runtime, channel: str) -> list[ReplyNotice]:
    """Subscriptions with staff messages not yet announced; ends those whose case closed."""
    with rt.stores.case() as session:
        rows = session.execute(
            select(ReplySubscription, Report.state)
            .join(Report, Report.id == ReplySubscription.report_id)
            .where(ReplySubscription.channel == channel)
        ).all()
        open_subs = []
        for sub, state in rows:
            if state in CLOSED_STATES:
                session.delete(sub)
                trail.record(session, "system", "notify.ended", sub.report_id)
            else:
                open_subs.append(sub)
        counts = _staff_count(session, [s.report_id for s in open_subs]) if open_subs else {}
        return [ReplyNotice(s.id, s.report_id, s.sealed_address, counts.get(s.report_id, 0))
                for s in open_subs if counts.get(s.report_id, 0) > s.staff_seen]


def mark_reply_notified(rt: Runtime, subscription_id: str, staff_messages: int) -> None:
    """Remember that the reporter was told about this many staff messages."""
    with rt.stores.case() as session:
        sub = session.get(ReplySubscription, subscription_id)
        if sub is not None:
            sub.staff_seen = max(sub.staff_seen, staff_messages)


def end_subscription(rt: Runtime, subscription_id: str) -> None:
    """Forget a subscription (the address no longer works, or the reporter asked)."""
    with rt.stores.case() as session:
        report_id = session.scalar(select(ReplySubscription.report_id)
                                   .where(ReplySubscription.id == subscription_id))
        if report_id is None:
            return
        session.execute(delete(ReplySubscription).where(ReplySubscription.id == subscription_id))
        trail.record(session, "system", "notify.ended", report_id)


def unsubscribe_from_replies(rt: Runtime, channel: str, matches: Callable[[str, bytes], bool],
                             report_id: str | None = None) -> int:
    """The reporter asked to stop: end the subscriptions ``matches(report_id, sealed)`` recognises.

    Without ``report_id`` every report's subscriptions of the channel are tried (the bot's
    /stopnotices, which needs no receipt code). Returns how many ended.
    """
    with rt.stores.case() as session:
        query = select(ReplySubscription).where(ReplySubscription.channel == channel)
        if report_id is not None:
            query = query.where(ReplySubscription.report_id == report_id)
        ended = 0
        for sub in session.scalars(query).all():
            if matches(sub.report_id, sub.sealed_address):
                session.delete(sub)
                trail.record(session, f"reporter:{channel}", "notify.unsubscribed", sub.report_id)
                ended += 1
        return ended
