"""The auditor's receipt (R23): what the store held at the last checkpoint, kept outside it.

Checkpoints catch rewriting of what they cover, but they live in the database: whoever can write
it can delete every checkpoint and key, re-chain the log and put the triggers back, and the
store verifies as "intact, 0 checkpoints". The receipt is a small JSON file the auditor takes
away after each checkpoint and keeps offline: how many checkpoints and which keys the store held,
the newest checkpoint's position and hash, and the chain's head just after it, signed by the
auditor's key (whose public half it carries). ``problems`` holds a store against it, so erasing
or rewriting checkpoints, keys or the chain up to that head is reported. Events appended after
the receipt was written are beyond it: the SIEM copy (models/audit/mirror.py) covers those.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Collection
from dataclasses import asdict, dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

import vault
from models.audit.checkpoint import PURPOSE, WrongPassphrase
from models.audit.tables import AuditCheckpoint, AuditEvent, AuditHead, AuditorKey
from models.store.errors import ClueGuardError
from models.store.i18n import N_

FORMAT = 1


class BadReceipt(ClueGuardError):
    message = N_("This is not a valid audit receipt (damaged, or not signed by the key it names).")


class StoreDiffersFromReceipt(ClueGuardError):
    """The store no longer holds what the auditor's receipt says (``where``: the first difference)."""

    message = N_("The store no longer holds what your receipt records, so nothing was signed: %(where)s")


@dataclass(frozen=True)
class Receipt:
    fingerprint: str
    public_key: str                 # base64 of the auditor's Ed25519 public key
    checkpoints: int                # how many checkpoints the store held
    checkpoint_id: int              # the newest one, just signed
    checkpoint_last_id: int
    checkpoint_last_hash: str
    head_id: int                    # the chain's head right after the checkpoint's own event
    head_hash: str
    keys: dict[str, str] = field(default_factory=dict)  # every auditor key: fingerprint -> public key
    written_at: str = ""
    signature: str = ""

    def body(self) -> bytes:
        """What the signature covers: every field but the signature, canonical JSON."""
        fields = {k: v for k, v in asdict(self).items() if k != "signature"}
        return b"clueguard-audit-receipt\n" + json.dumps({"format": FORMAT, **fields}, sort_keys=True,
                                                          separators=(",", ":")).encode()

    def dumps(self) -> str:
        return json.dumps({"format": FORMAT, **asdict(self)}, indent=1, sort_keys=True) + "\n"


def loads(data: str) -> Receipt:
    """Parse and check a receipt's signature against the key it carries; BadReceipt otherwise."""
    try:
        raw = json.loads(data)
        if raw.pop("format") != FORMAT:
            raise BadReceipt
        receipt = Receipt(**raw)
        public = base64.b64decode(receipt.public_key)
        good = (vault.key_fingerprint(public) == receipt.fingerprint
                and vault.verify_checkpoint(public, receipt.body(), base64.b64decode(receipt.signature)))
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise BadReceipt from exc
    if not good:
        raise BadReceipt
    return receipt


def write(session: Session, checkpoint: AuditCheckpoint, key: AuditorKey, passphrase: str,
          written_at: str) -> Receipt:
    """The receipt of the store as it stands after ``checkpoint``, signed with the auditor's key."""
    head = session.get(AuditHead, 1)
    count = session.scalar(select(func.count()).select_from(AuditCheckpoint)) or 0
    keys = {k.fingerprint: base64.b64encode(k.public_key).decode() for k in session.scalars(select(AuditorKey))}
    unsigned = Receipt(
        fingerprint=key.fingerprint, public_key=base64.b64encode(key.public_key).decode(),
        checkpoints=count, checkpoint_id=checkpoint.id, checkpoint_last_id=checkpoint.last_id,
        checkpoint_last_hash=checkpoint.last_hash, head_id=head.last_id if head else 0,
        head_hash=head.last_hash if head else "", keys=keys, written_at=written_at,
    )
    try:
        signature = vault.sign_checkpoint(key.wrapped_key, passphrase, PURPOSE, unsigned.body())
    except vault.VaultError as exc:
        raise WrongPassphrase from exc
    return Receipt(**{**asdict(unsigned), "signature": base64.b64encode(signature).decode()})


def problems(session: Session, receipt: Receipt, trusted: Collection[str] = ()) -> list[str]:
    """Where the store falls short of the receipt: each an erasure or a rewrite since it was written."""
    found: list[str] = []
    if trusted and receipt.fingerprint not in trusted:
        found.append(f"receipt: signed by key {receipt.fingerprint}, which is not trusted")
    count = session.scalar(select(func.count()).select_from(AuditCheckpoint)) or 0
    if count < receipt.checkpoints:
        found.append(f"receipt: {receipt.checkpoints - count} checkpoint(s) erased "
                     f"(the receipt saw {receipt.checkpoints}, the store holds {count})")
    cp = session.get(AuditCheckpoint, receipt.checkpoint_id)
    if cp is None:
        found.append(f"receipt: checkpoint {receipt.checkpoint_id} erased")
    elif (cp.last_id, cp.last_hash, cp.fingerprint) != (receipt.checkpoint_last_id, receipt.checkpoint_last_hash,
                                                         receipt.fingerprint):
        found.append(f"receipt: checkpoint {receipt.checkpoint_id} rewritten")
    stored = {k.fingerprint: base64.b64encode(k.public_key).decode() for k in session.scalars(select(AuditorKey))}
    for fingerprint, public in sorted(receipt.keys.items()):
        if fingerprint not in stored:
            found.append(f"receipt: signing key {fingerprint} erased")
        elif stored[fingerprint] != public:
            found.append(f"receipt: signing key {fingerprint} rewritten")
    for event_id, digest, what in ((receipt.checkpoint_last_id, receipt.checkpoint_last_hash, "checkpointed event"),
                                   (receipt.head_id, receipt.head_hash, "head")):
        if not event_id:
            continue
        event = session.get(AuditEvent, event_id)
        if event is None:
            found.append(f"receipt: event {event_id} (the {what} it records) erased: the log was cut short")
        elif event.hash != digest:
            found.append(f"receipt: event {event_id} (the {what} it records) rewritten: the log was re-chained")
    return found
