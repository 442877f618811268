"""R8: an identity given through the form or the API lands in the vault only: not in the case store,
not in any other file of the data directory, not in a log line, not in a cookie."""

from __future__ import annotations

import io
import json
import logging
import sqlite3

from sqlalchemy import select, text

import vault
from models.reporting.intake import reporter_status
from models.reporting.sealed import data_key_context
from models.reporting.tables import Attachment, DataKey, Message, Report
from tests.public.conftest import Reporter, receipt_of

from .helpers import jpeg_with_gps

CANARY = "CANARY-身份-5c1e77"
IDENTITY = {"name": CANARY, "phone": "13912345678", "id_number": f"{CANARY}-id", "address": f"{CANARY}-addr",
            "contact": f"{CANARY}-wx"}


def _case_store_text(public_rt, config, backend) -> list[tuple[str, bytes]]:  # type: ignore[no-untyped-def]
    """Everything the case store and the data directory hold outside the vault, as bytes."""
    if backend == "sqlite":
        with sqlite3.connect(config.data_dir / "case.db") as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return [(str(p), p.read_bytes()) for p in config.data_dir.rglob("*")
                if p.is_file() and not p.name.startswith("vault.db")]
    dumps = []
    with public_rt.stores.case_engine.connect() as conn:
        tables = conn.execute(text(
            "select table_name from information_schema.tables where table_schema = current_schema()"
        )).scalars().all()
        for table in tables:
            rows = conn.execute(text(f'select t::text from "{table}" t')).scalars().all()
            dumps.append((table, "\n".join(rows).encode()))
    return dumps


def test_canary_identity_reaches_neither_case_store_nor_logs(public_app, client, public_rt, config, backend,
                                                             custodians, stored, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    flask_log = io.StringIO()
    handler = logging.StreamHandler(flask_log)
    public_app.logger.addHandler(handler)
    public_app.logger.setLevel(logging.DEBUG)
    try:
        reporter = Reporter(client)
        fields = {f"identity-{k}": v for k, v in IDENTITY.items()}
        # Refused first (no category), then accepted; then once more through the API.
        assert reporter.submit(mode="confidential", category=None, **fields).status_code == 400
        page = reporter.submit(mode="confidential", files=[(jpeg_with_gps(CANARY), "a.jpg")], **fields)
        assert page.status_code == 200
        api = client.post("/api/v1/reports", json={"category": "other", "description": "API", "notice_accepted": True,
                                                   "identity": IDENTITY})
        assert api.status_code == 201
        code = receipt_of(page)[1]
        assert reporter.reply(code, "补充情况").status_code == 200
        assert client.post("/api/v1/status/messages", json={"receipt": api.get_json()["receipt"],
                                                            "text": "补充"}).status_code == 201
    finally:
        public_app.logger.removeHandler(handler)
    assert stored.counts() == (2, 2)

    needles = [CANARY.encode(), CANARY.encode("utf-16-le"), b"13912345678"]
    for where, data in _case_store_text(public_rt, config, backend):
        for needle in needles:
            assert needle not in data, where
    assert CANARY not in caplog.text and "13912345678" not in caplog.text
    assert CANARY not in flask_log.getvalue()
    cookies = " ".join(c.value for c in client._cookies.values())
    assert CANARY not in cookies


def _decrypted_case_store(staff_rt, receipts: list[str]) -> list[tuple[str, bytes]]:  # type: ignore[no-untyped-def]
    """Every sealed value of the case store opened with the intake private key (and the reporter
    copies with their receipts): what an insider with the staff key could read."""
    private = staff_rt.require_private()
    opened: list[tuple[str, bytes]] = []
    with staff_rt.stores.case() as session:
        keys = {k.id: vault.open_data_key(k.sealed, private, data_key_context(k.report_id, k.id))
                for k in session.scalars(select(DataKey))}
        for report in session.scalars(select(Report)):
            opened.append((f"report {report.id}", vault.decrypt_blob(keys[report.data_key_id], report.content,
                                                                    f"report/{report.id}")))
        for msg in session.scalars(select(Message)):
            context = f"message/{msg.report_id}/{msg.id}"
            opened.append((f"message {msg.id}", vault.decrypt_blob(keys[msg.data_key_id], msg.staff_box, context)))
        for att in session.scalars(select(Attachment)):
            context = f"attachment/{att.report_id}/{att.id}"
            opened.append((f"file {att.id}", vault.decrypt_blob(keys[att.data_key_id], att.blob, context)))
            if att.meta is not None:
                opened.append((f"file meta {att.id}", vault.decrypt_blob(keys[att.data_key_id], att.meta,
                                                                         context + "/meta")))
    for code in receipts:
        status = reporter_status(staff_rt, code)
        opened.append((f"reporter view {status.registry_no}", "".join(m.text for m in status.messages).encode()))
    return opened


def test_the_decrypted_case_store_holds_no_identity(client, staff_rt, custodians, stored) -> None:
    # Encryption hides a canary from a plain dump; this opens every sealed value with the intake
    # key, so putting the identity into the clue document, a message or a file is caught too.
    reporter = Reporter(client)
    fields = {f"identity-{k}": v for k, v in IDENTITY.items()}
    page = reporter.submit(mode="confidential", files=[(jpeg_with_gps(CANARY), "a.jpg")], **fields)
    assert page.status_code == 200  # the receipt page, after the submit's 303
    api = client.post("/api/v1/reports", json={"category": "other", "description": "API", "notice_accepted": True,
                                               "identity": IDENTITY})
    assert api.status_code == 201
    codes = [receipt_of(page)[1], api.get_json()["receipt"]]
    assert reporter.reply(codes[0], "补充情况", files=[(jpeg_with_gps(CANARY), "b.jpg")]).status_code == 200
    opened = _decrypted_case_store(staff_rt, codes)
    assert any(b"API" in data for _where, data in opened), "the decryption found nothing"
    needles = [CANARY.encode(), json.dumps(CANARY).strip('"').encode(), CANARY.encode("utf-16-le"),
               CANARY.encode("utf-16-be"), b"13912345678", "13912345678".encode("utf-16-le")]
    for where, data in opened:
        for needle in needles:
            assert needle not in data, where
