"""Throttling of failed sign-ins (R29) that slows guessing without letting a stranger lock anyone out.

Failures are counted per address and per (account, address), never per account alone: a stranger
who types wrong passwords for a colleague's name slows down only themselves, and the colleague
signing in from their own desk is not affected. After ``free`` failures of one account from one
address (four times as many from one address in all) each further attempt must
wait twice as long as the last (1 s, 2 s, 4 s … up to ``cap``); an attempt that comes too early is
refused with the same answer as a wrong password, without the password being checked.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from models.staff.tables import SignInThrottle
from models.store.db import as_utc, utcnow

# A counter with no failure for this long starts again from zero.
FORGET_AFTER = timedelta(hours=12)
# An address (an office behind one NAT) gets more free failures than one account from it.
ADDRESS_FACTOR = 4


def keys(username: str, address: str) -> tuple[str, str]:
    address = address[:100] or "-"
    return f"ip:{address}", f"acct:{username[:80].casefold()}|ip:{address}"


def delay(failures: int, free: int, cap_seconds: int) -> timedelta:
    if failures < free:
        return timedelta(0)
    return timedelta(seconds=min(2 ** min(failures - free, 30), cap_seconds))



def wait_left(session: Session, username: str, address: str, free: int, cap_seconds: int) -> timedelta:
    """How long this (account, address) must still wait before its next attempt counts."""
    now, left = utcnow(), timedelta(0)
    for key, allowed in zip(keys(username, address), (free * ADDRESS_FACTOR, free), strict=True):
        row = session.get(SignInThrottle, key)
        if row is None:
            continue
        last = as_utc(row.last_failure_at)
        if now - last > FORGET_AFTER:
            continue
        left = max(left, last + delay(row.failures, allowed, cap_seconds) - now)
    return left


def count_failure(session: Session, username: str, address: str) -> None:
    now = utcnow()
    for key in keys(username, address):
        row = session.get(SignInThrottle, key)
        if row is None:
            session.add(SignInThrottle(key=key, failures=1, last_failure_at=now))
            continue
        if now - as_utc(row.last_failure_at) > FORGET_AFTER:
            row.failures = 0
        row.failures += 1
        row.last_failure_at = now
    session.flush()


def clear(session: Session, username: str, address: str) -> None:
    """After a success: this account from this address starts afresh (the address counter stays)."""
    session.execute(delete(SignInThrottle).where(SignInThrottle.key == keys(username, address)[1]))


def clear_account(session: Session, username: str) -> None:
    """An administrator's unlock: forget this account's counters from every address."""
    prefix = f"acct:{username[:80].casefold()}|"
    session.execute(delete(SignInThrottle).where(SignInThrottle.key.startswith(prefix, autoescape=True)))


def slowed_accounts(session: Session, free: int) -> set[str]:
    """User names (casefolded) being slowed down from some address, for the administrator's list."""
    since = utcnow() - FORGET_AFTER
    rows = session.scalars(select(SignInThrottle).where(SignInThrottle.key.startswith("acct:"),
                                                        SignInThrottle.failures >= free,
                                                        SignInThrottle.last_failure_at >= since))
    return {row.key[len("acct:"):].split("|ip:", 1)[0] for row in rows}
