"""Signed checkpoints of the audit chain's head (R23): tamper evidence that does not trust the database.

The hash chain alone is only as good as the database: whoever can write it can re-chain the rest
with the same digest function and move the head. A checkpoint is the head (last id, last hash)
signed by an auditor's Ed25519 key, whose private half is stored only wrapped by the auditor's
passphrase: the server cannot make one alone. ``verify_checkpoints`` checks every signature and
that the chain still holds the signed hash at the signed position, so an edited, re-chained,
truncated or reordered stretch before a checkpoint is reported by the checkpoint it broke.
A forger with database access could add a key of their own and sign a rewritten chain; the
auditor therefore notes their key's fingerprint and ``verify`` accepts ``trusted`` fingerprints.
Once the store is hybrid (R32), a checkpoint over the upgrade signed by an Ed25519-only key is
refused, both when signing and when verifying: the old classical keys stay in the table (rows are
append-only), but they no longer vouch for anything new.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

import vault
from models.audit import mirror, trail, writers
from models.audit.tables import AuditCheckpoint, AuditEvent, AuditHead, AuditorKey
from models.store.db import utcnow
from models.store.errors import ClueGuardError
from models.store.i18n import N_
from models.store.runtime import suite_in

PURPOSE = "auditor-signing"
UPGRADED = "vault.upgraded"


class WrongPassphrase(ClueGuardError):
    message = N_("The passphrase does not open your signing key.")


class NoAuditorKey(ClueGuardError):
    message = N_("You have no signing key yet. Create one with your passphrase first.")


class ChainBroken(ClueGuardError):
    """The trail fails verification: a checkpoint would sign over the damage (``where``: the first problem)."""

    message = N_("The audit trail fails verification, so nothing was signed. First problem: %(where)s")


class ClassicalKey(ClueGuardError):
    """The store is hybrid and the auditor's newest key is Ed25519 alone (R32: no downgrade)."""

    message = N_("This store is hybrid and your signing key is Ed25519 only, so nothing was signed. "
                 "Get a hybrid key with `clueguard vault upgrade --auditor`.")


@dataclass(frozen=True)
class CheckpointProblem:
    checkpoint_id: int
    event_id: int
    reason: str


def current_key(session: Session, username: str) -> AuditorKey | None:
    """The auditor's newest key (keys are never edited; a new one is added instead)."""
    return session.scalar(select(AuditorKey).where(AuditorKey.username == username)
                          .order_by(AuditorKey.id.desc()).limit(1))


def add_key(session: Session, username: str, passphrase: str, params: vault.Argon2Params) -> AuditorKey:
    """Store a new key pair for the auditor, its private half wrapped by their passphrase."""
    public, wrapped = vault.create_signing_key(passphrase, params, PURPOSE)
    key = AuditorKey(username=username, fingerprint=vault.key_fingerprint(public), public_key=public,
                     wrapped_key=wrapped, created_at=utcnow())
    session.add(key)
    session.flush()
    trail.record(session, username, "audit.key_created", None, fingerprint=key.fingerprint)
    return key


def hybrid_from(session: Session) -> int | None:
    """The first event id a checkpoint must be hybrid-signed to cover; None while the store is classical.

    The upgrade's own ``vault.upgraded`` event is the line: it sits in the chain, so moving it
    breaks the chain. A store hybrid without one (a new site) has had hybrid keys from event 0.
    """
    if suite_in(session) != vault.HYBRID:
        return None
    first = session.scalar(select(AuditEvent.id).where(AuditEvent.event == UPGRADED)
                           .order_by(AuditEvent.id).limit(1))
    return first or 0


def _classical_after_upgrade(line: int | None, key: AuditorKey, last_id: int) -> bool:
    return line is not None and last_id >= line and vault.signing_key_suite(key.public_key) != vault.HYBRID


def _message(cp: AuditCheckpoint) -> bytes:
    at = trail._normalise(cp.at).isoformat(timespec="microseconds")
    return f"{cp.last_id}|{cp.last_hash}|{at}|{cp.auditor}|{cp.fingerprint}".encode()


def sign_head(session: Session, username: str, passphrase: str) -> AuditCheckpoint:
    """Sign the chain's current head with the auditor's key; the act itself is the next event."""
    key = current_key(session, username)
    if key is None:
        raise NoAuditorKey
    head = session.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update()).scalar_one_or_none()
    # Verified under the head's lock: no event can slip in between the check and the signature.
    problems = trail_problems(session)
    if problems:
        raise ChainBroken(where=problems[0])
    last_id, last_hash = (head.last_id, head.last_hash) if head else (0, trail.GENESIS)
    if _classical_after_upgrade(hybrid_from(session), key, last_id):
        raise ClassicalKey
    cp = AuditCheckpoint(at=utcnow(), auditor=username, fingerprint=key.fingerprint, last_id=last_id,
                         last_hash=last_hash, signature=b"")
    try:
        cp.signature = vault.sign_checkpoint(key.wrapped_key, passphrase, PURPOSE, _message(cp))
    except vault.VaultError as exc:
        raise WrongPassphrase from exc
    session.add(cp)
    session.flush()
    mirror.note(session, mirror.checkpoint_record(cp))
    trail.record(session, username, "audit.checkpoint", None, checkpoint=cp.id, last_id=last_id)
    return cp


def latest_checkpoint(session: Session) -> AuditCheckpoint | None:
    return session.scalar(select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc()).limit(1))


def trail_problems(session: Session, trusted: Collection[str] = ()) -> list[str]:
    """Everything verification finds, as plain sentences, the first break first: the chain end to
    end, events their writer may not append, then every checkpoint against the chain."""
    found = [(p.event_id, p.reason) for p in trail.verify(session)]
    found += [(p.event_id, p.reason) for p in writers.misattributed(session)]
    problems = [f"event {event_id}: {reason}" for event_id, reason in sorted(found, key=lambda p: p[0])]
    problems += [f"checkpoint {p.checkpoint_id} (event {p.event_id}): {p.reason}"
                 for p in verify_checkpoints(session, trusted)]
    if trusted:
        # The keys you trust must still be there, and have signed: else checkpoints were erased.
        stored = set(session.scalars(select(AuditorKey.fingerprint)))
        problems += [f"trusted key {fp}: not in the store (erased?)" for fp in sorted(set(trusted) - stored)]
        if not session.scalar(select(AuditCheckpoint.id).where(AuditCheckpoint.fingerprint.in_(trusted)).limit(1)):
            problems.append("no checkpoint signed by a trusted key (erased?)")
    return problems


def verify_checkpoints(session: Session, trusted: Collection[str] = ()) -> list[CheckpointProblem]:
    """Check every checkpoint's signature and that the chain still holds what it signed."""
    problems: list[CheckpointProblem] = []
    keys = {k.fingerprint: k for k in session.scalars(select(AuditorKey))}
    line = hybrid_from(session)
    for cp in session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.id)):
        key = keys.get(cp.fingerprint)
        if key is None or vault.key_fingerprint(key.public_key) != cp.fingerprint:
            problems.append(CheckpointProblem(cp.id, cp.last_id, "signing key unknown"))
            continue
        if trusted and cp.fingerprint not in trusted:
            problems.append(CheckpointProblem(cp.id, cp.last_id, "signed by a key that is not trusted"))
        if _classical_after_upgrade(line, key, cp.last_id):
            problems.append(CheckpointProblem(cp.id, cp.last_id,
                                              "signed by an Ed25519-only key after the store became hybrid"))
            continue
        if not vault.verify_checkpoint(key.public_key, _message(cp), cp.signature):
            problems.append(CheckpointProblem(cp.id, cp.last_id, "signature invalid"))
            continue
        if cp.last_id == 0:
            continue
        event = session.get(AuditEvent, cp.last_id)
        if event is None:
            problems.append(CheckpointProblem(cp.id, cp.last_id, "signed event missing"))
        elif event.hash != cp.last_hash:
            problems.append(CheckpointProblem(cp.id, cp.last_id, "chain no longer matches the checkpoint"))
    return problems
