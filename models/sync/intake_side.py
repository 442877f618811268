"""The intake node's half: what goes up (submissions, follow-ups), what comes down, and purging.

Once the internal node acknowledges a batch, the intake node keeps only what follow-up needs:
the registry number, the receipt lookup value, the reporter's public key, the coarse status, the
reporter's copy of each message and their sealed list of the files they sent. Clue content, file
bytes, staff copies and sealed identities go, and no copy of them stays in the stores' files.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import ColumnElement, delete, select, update
from sqlalchemy.orm import Session, lazyload

import vault
from models.audit import trail
from models.identities.sealing import THRESHOLD
from models.identities.tables import Custodian, IdentityAddition, IdentityShare, SealedIdentityRow, VaultSetting
from models.reporting.tables import Attachment, DataKey, Message, Report
from models.store.db import wipe_freed
from models.store.keys import write_owner_only
from models.store.runtime import Runtime, mark_hybrid
from models.sync.packets import DOWN, UP, Batch, b64, from_iso, iso, unb64
from models.sync.streams import BATCH_BYTES, BATCH_ITEMS, store_batch
from models.sync.tables import SyncItem, SyncStream

# The coarse status, written back as the internal state that COARSE_STATUS maps to it.
STATE_OF_COARSE = {"received": "received", "handling": "registered", "handed_on": "transferred",
                   "closed": "closed"}
INTAKE_PUBLIC_FILE = "intake.pub"
# Where a purge deletes or blanks rows (the up batches' kept bodies included).
PURGED_CASE_TABLES = ("reports", "attachments", "data_keys", "messages", "sync_batches")
PURGED_VAULT_TABLES = ("sealed_identities", "identity_shares")
log = logging.getLogger(__name__)


def _attachment(a: Attachment) -> dict[str, Any]:
    return {"id": a.id, "message_id": a.message_id, "data_key_id": a.data_key_id, "kind": a.kind,
            "size": a.size, "meta": b64(a.meta), "blob": b64(a.blob), "created_at": iso(a.created_at)}


def _keys(session: Session, key_id: str) -> list[dict[str, Any]]:
    return [{"id": k.id, "sealed": b64(k.sealed)}
            for k in session.scalars(select(DataKey).where(DataKey.id == key_id))]


def _identity(rt: Runtime, identity_id: str | None) -> dict[str, Any] | None:
    if identity_id is None:
        return None
    with rt.stores.vault() as vs:
        row = vs.get(SealedIdentityRow, identity_id)
        if row is None:
            return None
        shares = vs.scalars(select(IdentityShare).where(IdentityShare.identity_id == identity_id)).all()
        return {"id": row.id, "ciphertext": b64(row.ciphertext), "threshold": row.threshold,
                "created_at": iso(row.created_at),
                "shares": {s.custodian_id: b64(s.sealed_share) for s in shares}}


# A report's unit and handler are staff rows: the intake node's sync role may not read them
# (models/datadir/roles.py), and nothing sent up needs them.
_NO_STAFF = [lazyload("*")]


def _submission(rt: Runtime, session: Session, r: Report) -> dict[str, Any]:
    files = session.scalars(select(Attachment).where(Attachment.report_id == r.id,
                                                     Attachment.message_id.is_(None))).all()
    # The receipt lookup value stays here: only the intake node answers reporters.
    return {"kind": "submission", "report": {
        "id": r.id, "registry_no": r.registry_no, "reg_year": r.reg_year, "reg_seq": r.reg_seq,
        "category": r.category, "channel": r.channel, "source": r.source,
        "confidential": r.confidential, "data_key_id": r.data_key_id, "content": b64(r.content),
        "reporter_public_key": b64(r.reporter_public_key), "created_at": iso(r.created_at)},
        "data_keys": _keys(session, r.data_key_id), "attachments": [_attachment(a) for a in files],
        "identity": _identity(rt, r.identity_id)}


def _follow_up(session: Session, m: Message) -> dict[str, Any]:
    files = session.scalars(select(Attachment).where(Attachment.message_id == m.id)).all()
    return {"kind": "follow_up", "message": {
        "id": m.id, "report_id": m.report_id, "data_key_id": m.data_key_id,
        "staff_box": b64(m.staff_box), "reporter_box": b64(m.reporter_box),
        "created_at": iso(m.created_at)},
        "data_keys": _keys(session, m.data_key_id), "attachments": [_attachment(a) for a in files]}


def _size(item: dict[str, Any]) -> int:
    return sum(len(a["blob"] or "") for a in item["attachments"]) + 4096


def form_up_batch(rt: Runtime, session: Session, row: SyncStream) -> bytes | None:
    """The next batch of new submissions and follow-ups, or None if there is nothing new."""
    sent = select(SyncItem.ref_id).where(SyncItem.stream == UP, SyncItem.kind == "submission")
    reports = session.scalars(select(Report).options(*_NO_STAFF).where(Report.id.not_in(sent))
                              .order_by(Report.created_at, Report.id).limit(BATCH_ITEMS)).all()
    items: list[dict[str, Any]] = []
    total = 0
    for r in reports:
        item = _submission(rt, session, r)
        if items and total + _size(item) > BATCH_BYTES:
            break
        items.append(item)
        total += _size(item)
    included = {i["report"]["id"] for i in items}
    sent_msgs = select(SyncItem.ref_id).where(SyncItem.stream == UP, SyncItem.kind == "follow_up")
    messages = session.scalars(
        select(Message).where(Message.direction == "reporter", Message.id.not_in(sent_msgs))
        .order_by(Message.created_at, Message.id).limit(BATCH_ITEMS)).all()
    wanted = {m.report_id for m in messages} - included
    sent_ids = set(session.scalars(sent.where(SyncItem.ref_id.in_(wanted))).all()) if wanted else set()
    for m in messages:
        # A follow-up travels only with or after its report, so the receiver always has it.
        if m.report_id not in included and m.report_id not in sent_ids:
            continue
        item = _follow_up(session, m)
        if items and (total + _size(item) > BATCH_BYTES or len(items) >= BATCH_ITEMS):
            break
        items.append(item)
        total += _size(item)
    if not items:
        return None
    body = store_batch(session, row, items)
    for item in items:
        ref = item["report"]["id"] if item["kind"] == "submission" else item["message"]["id"]
        session.add(SyncItem(stream=UP, kind=item["kind"], ref_id=ref, seq=row.sent_seq))
    trail.record(session, "system:sync", "sync.batch_formed", stream=UP, seq=row.sent_seq, items=len(items))
    return body


def _blank_files(session: Session, *where: ColumnElement[bool]) -> None:
    """Drop a file's bytes and its staff-sealed name; the reporter's sealed list entry stays.

    The reporter's status page lists what they sent (name, size, type: ``reporter_meta``,
    sealed to their receipt key) after the file itself has gone inside (R5, R7).
    """
    session.execute(update(Attachment).where(*where).values(blob=b"", meta=None))


def purge_acknowledged(session: Session, seqs: list[int]) -> list[str]:
    """Drop what the internal node now holds; returns sealed identities to delete from the vault."""
    if not seqs:
        return []
    identities: list[str] = []
    items = session.scalars(select(SyncItem).where(SyncItem.stream == UP, SyncItem.seq.in_(seqs))).all()
    for item in items:
        if item.kind == "submission":
            report = session.get(Report, item.ref_id, options=_NO_STAFF)
            if report is None:
                continue
            _blank_files(session, Attachment.report_id == report.id, Attachment.message_id.is_(None))
            session.execute(delete(DataKey).where(DataKey.id == report.data_key_id))
            report.content = b""
            if report.identity_id is not None:
                identities.append(report.identity_id)
                report.identity_id = None
        elif item.kind == "follow_up":
            message = session.get(Message, item.ref_id)
            if message is None:
                continue
            _blank_files(session, Attachment.message_id == message.id)
            session.execute(delete(DataKey).where(DataKey.id == message.data_key_id))
            message.staff_box = b""  # the reporter's copy stays: they read their own messages
    trail.record(session, "system:sync", "sync.acknowledged", stream=UP, seq=max(seqs), items=len(items))
    return identities


def delete_identities(rt: Runtime, identity_ids: list[str]) -> None:
    """After the purge commits (a crash in between leaves orphans that ``doctor`` removes)."""
    if not identity_ids:
        return
    with rt.stores.vault() as vs:
        vs.execute(delete(IdentityShare).where(IdentityShare.identity_id.in_(identity_ids)))
        vs.execute(delete(IdentityAddition).where(IdentityAddition.identity_id.in_(identity_ids)))
        vs.execute(delete(SealedIdentityRow).where(SealedIdentityRow.id.in_(identity_ids)))


def wipe_purged(rt: Runtime) -> None:
    """After a purge commits: no readable copy of what went inside stays in either store's files.

    A disk image taken later must not hold ciphertext that a later leak of the intake key (or of
    k custodians' keys) would open: SQLite's WAL is checkpointed and truncated (freed pages are
    zeroed by ``secure_delete``), PostgreSQL's dead row versions are vacuumed.
    """
    for engine, tables in ((rt.stores.case_engine, PURGED_CASE_TABLES),
                           (rt.stores.vault_engine, PURGED_VAULT_TABLES)):
        if not wipe_freed(engine, tables):
            log.warning("the WAL checkpoint after a purge could not finish (a reader held it); "
                        "the next purge retries")


def apply_site(rt: Runtime, batch: Batch) -> None:
    """The keys intake seals to (idempotent; the vault store is written before the case store)."""
    sites = [i for i in batch.items if i["kind"] == "site"]
    if not sites:
        return
    site = sites[-1]
    public = unb64(site["intake_public"]) or b""
    try:
        vault.key_suite(public)  # a hybrid key (R32), or an X25519 key of a node set up before it
    except vault.VaultError as exc:
        raise ValueError("not an intake public key") from exc
    path = rt.config.keys_dir / INTAKE_PUBLIC_FILE
    if not path.exists() or path.read_bytes() != public:
        write_owner_only(path, public)
    custodians = {cid: unb64(pub) or b"" for cid, pub in site["custodians"].items()}
    with rt.stores.vault() as vs:
        for c in vs.scalars(select(Custodian)).all():
            c.active = c.id in custodians
        for cid, pub in custodians.items():
            row = vs.get(Custodian, cid)
            if row is None:
                # Public keys only: no wrapped private key and no staff user name on this node.
                vs.add(Custodian(id=cid, username=cid, public_key=pub, wrapped_key=b"", active=True))
            else:
                row.public_key = pub
        setting = vs.get(VaultSetting, THRESHOLD)
        if site["threshold"] is None:  # no custodians yet: anonymous reports only
            if setting is not None:
                vs.delete(setting)
        elif setting is None:
            vs.add(VaultSetting(name=THRESHOLD, value=str(int(site["threshold"]))))
        else:
            setting.value = str(int(site["threshold"]))
    if site.get("suite") == vault.HYBRID:  # after the keys: from now on no classical key here (R32)
        mark_hybrid(rt.stores)


def apply_down_items(session: Session, batch: Batch) -> int:
    """Statuses and sealed replies, in the case store's transaction; returns how many applied."""
    applied = 0
    for item in batch.items:
        kind = item["kind"]
        if kind == "status":
            report = session.get(Report, item["report_id"], options=_NO_STAFF)
            if report is not None and item["status"] in STATE_OF_COARSE:
                report.state = STATE_OF_COARSE[item["status"]]
                trail.record(session, "system:sync", "sync.status_received", report.id, status=item["status"])
                applied += 1
        elif kind == "reply":
            reply = item["message"]
            seen = session.get(SyncItem, (DOWN, "reply", reply["id"]))
            if seen is not None or session.get(Report, reply["report_id"], options=_NO_STAFF) is None:
                continue
            session.add(Message(id=reply["id"], report_id=reply["report_id"], direction="staff",
                                data_key_id="", staff_box=b"", reporter_box=unb64(reply["reporter_box"]),
                                created_at=from_iso(reply["created_at"])))
            session.add(SyncItem(stream=DOWN, kind="reply", ref_id=reply["id"], seq=batch.seq))
            trail.record(session, "system:sync", "sync.reply_received", reply["report_id"])
            applied += 1
    return applied

