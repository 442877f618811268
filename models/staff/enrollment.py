"""One-time enrollment codes (R29): the person sets their own password and enrolls their authenticator.

The person who approved the account's creation or reset (the unit head for a content role,
another administrator for an auditor, custodian or administrator; the console operator only at
bootstrap) is shown a code once, never whoever asked for it (R29); only its SHA-256 is stored.
With it the person, and nobody else once it is used, chooses a password and scans a TOTP seed
that the server shows only to them. A code expires, is used once, and a new one cancels the old.
Every failed attempt is audited and committed.
"""

from __future__ import annotations

import hashlib
import secrets as pysecrets
from datetime import timedelta
from typing import NoReturn

import pyotp
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from models.audit import trail
from models.staff import accounts, officer_keys, secrets, sessions
from models.staff.tables import Enrollment, Staff
from models.store.db import as_utc, utcnow
from models.store.errors import ClueGuardError
from models.store.i18n import N_
from models.store.runtime import Runtime

CODE_VALID = timedelta(hours=72)
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud or copied by hand


class EnrollmentFailed(ClueGuardError):
    """One message for an unknown name, a wrong, used or expired code."""

    message = N_("This enrollment code is not valid. Ask for a new one.")


def _hash(code: str) -> str:
    normal = "".join(ch for ch in code.upper() if ch.isalnum())
    return hashlib.sha256(normal.encode()).hexdigest()


def new_code() -> str:
    """20 characters from a 31-letter alphabet (about 99 bits), in groups of five."""
    raw = "".join(pysecrets.choice(_ALPHABET) for _ in range(20))
    return "-".join(raw[i : i + 5] for i in range(0, 20, 5))


def issue_code(session: Session, staff: Staff, purpose: str, issued_to: str, *, requested_by: str | None = None,
               bootstrap: bool = False) -> str:
    """A fresh code for ``staff`` (older unused ones stop working), audited with who asked and who is
    shown it; shown once to ``issued_to``, never to ``requested_by`` (but at the console's bootstrap)."""
    session.execute(delete(Enrollment).where(Enrollment.staff_id == staff.id, Enrollment.used_at.is_(None)))
    code = new_code()
    session.add(Enrollment(staff_id=staff.id, code_hash=_hash(code), purpose=purpose, issued_to=issued_to,
                           expires_at=utcnow() + CODE_VALID))
    trail.record(session, issued_to, "staff.enrollment_issued", None, staff=staff.username, purpose=purpose,
                 requested_by=requested_by, bootstrap=bootstrap or None)
    return code



def _find(session: Session, username: str, code: str) -> tuple[Enrollment, Staff] | None:
    row = session.scalar(select(Enrollment).where(Enrollment.code_hash == _hash(code)))
    if row is None or row.used_at is not None or as_utc(row.expires_at) <= utcnow():
        return None
    staff = session.get(Staff, row.staff_id)
    if staff is None or staff.username != username or not staff.active:
        return None
    return row, staff


def _failed(rt: Runtime, username: str, step: str) -> NoReturn:
    with rt.stores.case() as session:
        trail.record(session, "anonymous", "staff.enrollment_failed", None, step=step,
                     staff=username[:80] or None)
    raise EnrollmentFailed


def start_enrollment(rt: Runtime, username: str, code: str) -> str:
    """Check the code and offer a new TOTP seed (returned, for the person's eyes only)."""
    with rt.stores.case() as session:
        found = _find(session, username, code)
        if found is not None:
            row, staff = found
            seed = pyotp.random_base32()
            row.totp_pending = secrets.seal_totp(rt, staff.id, seed)
            trail.record(session, staff.username, "staff.enrollment_started", None)
            return seed
    _failed(rt, username, "start")


def complete_enrollment(rt: Runtime, username: str, code: str, password: str, totp_code: str) -> Staff:
    """Set the person's own password and TOTP seed; the code is used up and old sessions end."""
    accounts.check_password_rules(password)
    password_hash = accounts.password_hasher(rt).hash(password)
    done: Staff | None = None
    purpose = ""
    with rt.stores.case() as session:
        found = _find(session, username, code)
        if found is not None and found[0].totp_pending:
            row, staff = found
            seed = secrets.open_totp(rt, staff.id, row.totp_pending or "")
            step = accounts.totp_step(seed, totp_code)
            if step is not None:
                staff.password_hash, staff.totp_secret = password_hash, secrets.seal_totp(rt, staff.id, seed)
                staff.totp_last_step, staff.failed_logins, staff.locked_until = step, 0, None
                row.used_at, row.totp_pending, purpose = utcnow(), None, row.purpose
                sessions.end_all_sessions(session, staff, "enrolled")
                trail.record(session, staff.username, "staff.enrolled", None, purpose=row.purpose)
                done = staff
    if done is None:
        _failed(rt, username, "complete")
    if done.role == officer_keys.OFFICER_ROLE and purpose == "reset":
        # The old key was wrapped by a password nobody else knows: a fresh pair replaces it.
        if officer_keys.replace_officer_key(rt, done.id, password) is None:
            officer_keys.ensure_officer_key(rt, done.id, done.username, password)
    else:
        accounts.after_password_known(rt, done.id, done.username, done.role, password)
    return done
