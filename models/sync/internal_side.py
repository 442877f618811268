"""The internal node's half: storing what came up, and forming what goes down.

Down go: the keys the intake node seals to (the intake public key, the active custodians' public
keys and k), each imported report's coarse status when it changes, and staff replies sealed to
the reporter (never the staff copy). Nothing else about a case leaves the internal node.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

import vault
from models.audit import trail
from models.identities.sealing import active_custodians, vault_threshold
from models.identities.tables import IdentityShare, SealedIdentityRow
from models.reporting.intake import COARSE_STATUS
from models.reporting.registry import format_registry_no
from models.reporting.tables import Attachment, DataKey, Message, Report
from models.store.config import INTAKE_SERIES
from models.store.keys import load_intake_public
from models.store.runtime import Runtime, suite_in
from models.sync.packets import DOWN, UP, Batch, SyncRefused, b64, canonical, digest, from_iso, iso, unb64
from models.sync.streams import BATCH_ITEMS, store_batch
from models.sync.tables import SyncItem, SyncStream


def coarse_status(state: str) -> str:
    return "closed" if state == "destroyed" else COARSE_STATUS.get(state, "handling")


def store_identities(rt: Runtime, batch: Batch) -> None:
    """Write the batch's sealed identities first (idempotent, so a crash before the case store
    commits leaves rows the retried batch finds, or orphans ``doctor`` removes)."""
    with rt.stores.vault() as vs:
        for item in batch.items:
            ident = item.get("identity") if item["kind"] == "submission" else None
            if not ident or vs.get(SealedIdentityRow, ident["id"]) is not None:
                continue
            vs.add(SealedIdentityRow(id=ident["id"], report_id=item["report"]["id"],
                                     ciphertext=unb64(ident["ciphertext"]), threshold=int(ident["threshold"]),
                                     created_at=from_iso(ident["created_at"])))
            vs.flush()
            vs.add_all(IdentityShare(identity_id=ident["id"], custodian_id=cid, sealed_share=unb64(share))
                       for cid, share in ident["shares"].items())


def _files(session: Session, report_id: str, files: list[dict[str, Any]]) -> None:
    for a in files:
        session.add(Attachment(id=a["id"], report_id=report_id, message_id=a["message_id"],
                               data_key_id=a["data_key_id"], kind=a["kind"], size=int(a["size"]),
                               meta=unb64(a["meta"]), blob=unb64(a["blob"]), created_at=from_iso(a["created_at"])))


def _data_keys(session: Session, report_id: str, keys: list[dict[str, Any]]) -> None:
    for k in keys:
        session.add(DataKey(id=k["id"], report_id=report_id, sealed=unb64(k["sealed"])))


def _check_files(batch: Batch, files: list[dict[str, Any]], message_id: str | None) -> None:
    if any(a["message_id"] != message_id for a in files):
        raise SyncRefused(f"batch {batch.seq}: a file that belongs elsewhere")


def check_up_items(session: Session, batch: Batch) -> None:
    """Refuse a batch before anything of it is written (the vault store's rows come first).

    The intake node is on the internet: what it sends is checked like any input. Its registry
    numbers must be of its own series, a follow-up may only join a report it sent itself, and no
    new item may reuse the id of a stored report.
    """
    sent_here: set[str] = set()
    for item in batch.items:
        kind = item["kind"]
        if kind not in ("submission", "follow_up"):
            raise SyncRefused(f"batch {batch.seq}: an item of unknown kind")
        ref = item["report"]["id"] if kind == "submission" else item["message"]["id"]
        if session.get(SyncItem, (UP, kind, ref)) is not None:
            continue
        if kind == "submission":
            r = item["report"]
            if r["registry_no"] != format_registry_no(int(r["reg_year"]), int(r["reg_seq"]), INTAKE_SERIES):
                raise SyncRefused(f"batch {batch.seq}: a registry number outside the intake node's series")
            if session.get(Report, ref) is not None:
                raise SyncRefused(f"batch {batch.seq}: a new report with the id of a stored one")
            _check_files(batch, item["attachments"], None)
            sent_here.add(ref)
        else:
            report_id = item["message"]["report_id"]
            if report_id not in sent_here and session.get(SyncItem, (UP, "submission", report_id)) is None:
                raise SyncRefused(f"batch {batch.seq}: a follow-up to a report the intake node never sent")
            _check_files(batch, item["attachments"], ref)


def apply_up_items(session: Session, batch: Batch) -> int:
    """Store submissions and follow-ups not seen before (dedup by id); returns how many."""
    check_up_items(session, batch)
    applied = 0
    for item in batch.items:
        kind = item["kind"]
        ref = item["report"]["id"] if kind == "submission" else item["message"]["id"]
        if session.get(SyncItem, (UP, kind, ref)) is not None:
            continue
        if kind == "submission":
            r = item["report"]
            session.add(Report(
                id=r["id"], registry_no=r["registry_no"], reg_year=int(r["reg_year"]), reg_seq=int(r["reg_seq"]),
                category=r["category"], channel=r["channel"], source=r["source"], state="received",
                confidential=bool(r["confidential"]), data_key_id=r["data_key_id"], content=unb64(r["content"]),
                receipt_lookup=None, reporter_public_key=unb64(r["reporter_public_key"]),
                identity_id=(item.get("identity") or {}).get("id"), created_at=from_iso(r["created_at"])))
            session.flush()
            _data_keys(session, r["id"], item["data_keys"])
            _files(session, r["id"], item["attachments"])
            # What the intake node shows now; a change is sent down.
            session.add(SyncItem(stream=DOWN, kind="status", ref_id=r["id"], seq=0, value="received"))
            trail.record(session, "system:sync", "report.submitted", r["id"], registry_no=r["registry_no"],
                         channel=r["channel"], source=r["source"], files=len(item["attachments"]),
                         confidential=bool(r["confidential"]), via="intake_node", batch=batch.seq)
        else:
            m = item["message"]
            session.add(Message(id=m["id"], report_id=m["report_id"], direction="reporter",
                                data_key_id=m["data_key_id"], staff_box=unb64(m["staff_box"]),
                                reporter_box=unb64(m["reporter_box"]), created_at=from_iso(m["created_at"])))
            session.flush()
            _data_keys(session, m["report_id"], item["data_keys"])
            _files(session, m["report_id"], item["attachments"])
            trail.record(session, "system:sync", "report.follow_up", m["report_id"],
                         files=len(item["attachments"]), via="intake_node", batch=batch.seq)
        session.add(SyncItem(stream=UP, kind=kind, ref_id=ref, seq=batch.seq))
        applied += 1
    return applied


def _site_item(rt: Runtime, session: Session) -> dict[str, Any]:
    # From the key file, not the runtime: `vault upgrade` replaces the key under a running sync (R32).
    site = {"kind": "site", "intake_public": b64(load_intake_public(rt.config)),
            "threshold": vault_threshold(rt.stores),
            "custodians": {cid: b64(pub) for cid, pub in sorted(active_custodians(rt.stores).items())}}
    if suite_in(session) == vault.HYBRID:  # the intake node then refuses classical keys too (R32)
        site["suite"] = vault.HYBRID
    return site


def form_down_batch(rt: Runtime, session: Session, row: SyncStream) -> bytes | None:
    """The next batch of site keys, status changes and sealed replies, or None."""
    items: list[dict[str, Any]] = []
    marks: list[tuple[str, str, str | None]] = []
    site = _site_item(rt, session)
    site_hash = digest(canonical(site))
    known = session.get(SyncItem, (DOWN, "site", "site"))
    if known is None or known.value != site_hash:
        items.append(site)
        marks.append(("site", "site", site_hash))
    statuses = session.execute(
        select(SyncItem, Report.state).join(Report, Report.id == SyncItem.ref_id)
        .where(SyncItem.stream == DOWN, SyncItem.kind == "status")).all()
    for mark, state in statuses:
        if len(items) >= BATCH_ITEMS:
            break
        status = coarse_status(state)
        if status != mark.value:
            items.append({"kind": "status", "report_id": mark.ref_id, "status": status})
            marks.append(("status", mark.ref_id, status))
    imported = select(SyncItem.ref_id).where(SyncItem.stream == UP, SyncItem.kind == "submission")
    sent = select(SyncItem.ref_id).where(SyncItem.stream == DOWN, SyncItem.kind == "reply")
    replies = session.scalars(
        select(Message).where(Message.direction == "staff", Message.reporter_box.is_not(None),
                              Message.report_id.in_(imported), Message.id.not_in(sent))
        .order_by(Message.created_at, Message.id).limit(max(0, BATCH_ITEMS - len(items)))).all()
    for m in replies:
        items.append({"kind": "reply", "message": {"id": m.id, "report_id": m.report_id,
                                                   "reporter_box": b64(m.reporter_box),
                                                   "created_at": iso(m.created_at)}})
        marks.append(("reply", m.id, None))
    if not items:
        return None
    body = store_batch(session, row, items)
    for kind, ref, value in marks:
        existing = session.get(SyncItem, (DOWN, kind, ref))
        if existing is None:
            session.add(SyncItem(stream=DOWN, kind=kind, ref_id=ref, seq=row.sent_seq, value=value))
        else:
            existing.seq, existing.value = row.sent_seq, value
    trail.record(session, "system:sync", "sync.batch_formed", stream=DOWN, seq=row.sent_seq, items=len(items))
    return body
