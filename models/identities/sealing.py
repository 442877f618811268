"""Writing sealed identities to the vault store (R8, R9).

Intake writes here *first* and commits, then writes the case store. A crash in between leaves
only a sealed identity that no report points to: harmless, and ``find_orphans`` finds it.
"""

from __future__ import annotations

import json
import uuid

from sqlalchemy import delete, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

import vault
from models.identities.tables import Custodian, IdentityAddition, IdentityShare, SealedIdentityRow, VaultSetting
from models.store.db import Stores
from models.store.errors import ServiceUnavailable
from models.store.i18n import N_
from models.store.runtime import require_hybrid_key

IDENTITY_FIELDS = ("name", "phone", "id_number", "address", "contact")
# Labels of everything a sealed identity may hold: the fields above, what the bot adds for a
# confidential Telegram reporter, and the metadata stripped from the reporter's photos.
IDENTITY_LABELS = {
    "name": N_("Reporter's name"),
    "phone": N_("Reporter's phone"),
    "id_number": N_("Reporter's ID number"),
    "address": N_("Reporter's address"),
    "contact": N_("Other ways to reach the reporter"),
    "telegram_user_id": N_("Telegram user id"),
    "telegram_username": N_("Telegram user name"),
    "telegram_name": N_("Name on Telegram"),
    "file_metadata": N_("Metadata removed from the reporter's files"),
}
THRESHOLD = "threshold"


def vault_threshold(stores: Stores) -> int | None:
    with stores.vault() as session:
        row = session.get(VaultSetting, THRESHOLD)
    return int(row.value) if row else None


def active_custodians(stores: Stores) -> dict[str, bytes]:
    with stores.vault() as session:
        rows = session.scalars(select(Custodian).where(Custodian.active.is_(True))).all()
    return {c.id: c.public_key for c in rows}


def vault_ready(stores: Stores) -> bool:
    k = vault_threshold(stores)
    return k is not None and len(active_custodians(stores)) >= k


def store_identity(stores: Stores, report_id: str, identity: dict[str, object]) -> str:
    """Seal an identity k-of-n to the active custodians and commit it; returns its id."""
    k = vault_threshold(stores)
    custodians = active_custodians(stores)
    if k is None or len(custodians) < k:
        raise ServiceUnavailable(
            N_("Confidential reports cannot be accepted until the custodians' keys are set up. "
               "You may report anonymously.")
        )
    for public in custodians.values():  # no share sealed to a classical key in a hybrid store (R32)
        require_hybrid_key(stores, public)
    payload = json.dumps(identity, ensure_ascii=False, sort_keys=True).encode()
    sealed = vault.seal_identity(payload, report_id, custodians, k)
    identity_id = str(uuid.uuid4())
    with stores.vault() as session:
        session.add(SealedIdentityRow(id=identity_id, report_id=report_id,
                                      ciphertext=sealed.ciphertext, threshold=k))
        session.flush()
        session.add_all(
            IdentityShare(identity_id=identity_id, custodian_id=cid, sealed_share=share)
            for cid, share in sealed.shares.items()
        )
    return identity_id


# The identity field holding the private half of its addition key pair (never shown).
ADDITION_KEY = "addition_key"
FILE_METADATA = "file_metadata"


def new_addition_key(identity: dict[str, object]) -> bytes:
    """Put a fresh addition key pair's private half into the identity; returns the public half,
    which the case store keeps so that a follow-up can seal to it (``seal_addition``)."""
    private, public = vault.generate_keypair()
    identity[ADDITION_KEY] = private.hex()
    return public


def _addition_context(report_id: str, addition_id: str) -> str:
    return f"{report_id}/{addition_id}"


def seal_addition(stores: Stores, identity_id: str, report_id: str, public: bytes,
                  addition: dict[str, object]) -> str:
    """Seal what a follow-up's files gave away beside the report's identity; returns its id."""
    require_hybrid_key(stores, public)
    addition_id = str(uuid.uuid4())
    payload = json.dumps(addition, ensure_ascii=False, sort_keys=True).encode()
    sealed = vault.seal_beside_identity(public, payload, _addition_context(report_id, addition_id))
    with stores.vault() as session:
        session.add(IdentityAddition(id=addition_id, identity_id=identity_id, sealed=sealed))
    return addition_id


def with_additions(session: Session, identity_id: str, report_id: str,
                   fields: dict[str, object]) -> dict[str, object]:
    """An opened identity with its additions opened into it: the follow-ups' files numbered after
    the report's own in ``file_metadata``; the addition key itself removed."""
    fields = dict(fields)
    private_hex = fields.pop(ADDITION_KEY, None)
    if not isinstance(private_hex, str):
        return fields
    private = bytes.fromhex(private_hex)
    files = dict(fields.get(FILE_METADATA) or {})  # type: ignore[call-overload]
    rows = session.scalars(select(IdentityAddition).where(IdentityAddition.identity_id == identity_id)
                           .order_by(IdentityAddition.created_at, IdentityAddition.id))
    for row in rows:
        opened = json.loads(vault.open_beside_identity(private, row.sealed, _addition_context(report_id, row.id)))
        for removed in opened.get(FILE_METADATA, {}).values():
            files[f"file{len(files) + 1}"] = removed
    if files:
        fields[FILE_METADATA] = files
    return fields


def delete_identity(stores: Stores, identity_id: str) -> bool:
    """Undo ``store_identity`` when the case-store half of an intake failed."""
    try:
        with stores.vault() as session:
            session.execute(delete(IdentityShare).where(IdentityShare.identity_id == identity_id))
            session.execute(delete(IdentityAddition).where(IdentityAddition.identity_id == identity_id))
            session.execute(delete(SealedIdentityRow).where(SealedIdentityRow.id == identity_id))
    except DBAPIError:
        # The public app's database role may only insert into the vault (models/datadir/roles.py):
        # the sealed identity stays a harmless orphan that `clueguard doctor --fix` removes.
        return False
    return True


