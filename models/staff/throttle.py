"""Throttling of failed sign-ins (R29) that slows guessing without letting a stranger lock anyone out.

Two kinds of client, after OWASP's device-cookie pattern:

- A **known device** (the staff app's signed device cookie, issued at enrollment and at every
  successful sign-in, bound to one user name) is throttled by its own counter ``dev:<id>`` alone:
  no address counter, so nobody else's failures, from the same proxy or office NAT, touch it.
- An **untrusted client** is throttled per (account, address). After ``free`` failures of one
  account from one address each further attempt must wait twice as long as the last (1 s, 2 s,
  4 s … up to ``cap``); an attempt that comes too early is refused with the same answer as a wrong
  password, without the password being checked. An address with many failures in all (``free``
  × ``ADDRESS_FACTOR``, say a stranger trying made-up names) gives each account name from it only
  one free try instead of ``free``: a sprayer gets one guess per name before the delays start,
  while a real user whose own name has no failure from there is still checked at once.

Never per account alone: a stranger who types wrong passwords for a colleague's name slows down
only that name from their own address, and the colleague signing in from their own device is not
affected.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from models.staff.tables import SignInThrottle
from models.store.db import as_utc, utcnow

# A counter with no failure for this long starts again from zero.
FORGET_AFTER = timedelta(hours=12)
# An address (an office behind one NAT) gets more failures in all than one account from it.
ADDRESS_FACTOR = 4
# Free failures of one name from an address that is over its own budget.
FREE_BEHIND_BUSY_ADDRESS = 1


def keys(username: str, address: str) -> tuple[str, str]:
    address = address[:100] or "-"
    return f"ip:{address}", f"acct:{username[:80].casefold()}|ip:{address}"


def device_key(device: str) -> str:
    return f"dev:{device[:64]}"


def delay(failures: int, free: int, cap_seconds: int) -> timedelta:
    if failures < free:
        return timedelta(0)
    return timedelta(seconds=min(2 ** min(failures - free, 30), cap_seconds))



def _recent(session: Session, key: str) -> SignInThrottle | None:
    row = session.get(SignInThrottle, key)
    if row is None or utcnow() - as_utc(row.last_failure_at) > FORGET_AFTER:
        return None
    return row


def _left(row: SignInThrottle | None, free: int, cap_seconds: int) -> timedelta:
    if row is None:
        return timedelta(0)
    return max(timedelta(0), as_utc(row.last_failure_at) + delay(row.failures, free, cap_seconds) - utcnow())


def wait_left(session: Session, username: str, address: str, free: int, cap_seconds: int,
              device: str | None = None) -> timedelta:
    """How long this attempt must still wait before it counts: per device, or per (account, address)."""
    if device:
        return _left(_recent(session, device_key(device)), free, cap_seconds)
    address_key, account_key = keys(username, address)
    busy = _recent(session, address_key)
    if busy is not None and busy.failures >= free * ADDRESS_FACTOR:
        free = min(free, FREE_BEHIND_BUSY_ADDRESS)
    return _left(_recent(session, account_key), free, cap_seconds)


def count_failure(session: Session, username: str, address: str, device: str | None = None) -> None:
    now = utcnow()
    for key in (device_key(device),) if device else keys(username, address):
        row = session.get(SignInThrottle, key)
        if row is None:
            session.add(SignInThrottle(key=key, failures=1, last_failure_at=now))
            continue
        if now - as_utc(row.last_failure_at) > FORGET_AFTER:
            row.failures = 0
        row.failures += 1
        row.last_failure_at = now
    session.flush()


def clear(session: Session, username: str, address: str, device: str | None = None) -> None:
    """After a success: the device, or else this account from this address, starts afresh.

    A known device's success leaves the strangers' counters alone: the stranger who was slowed
    for this name at this address stays slowed.
    """
    done = device_key(device) if device else keys(username, address)[1]
    session.execute(delete(SignInThrottle).where(SignInThrottle.key == done))


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
