"""R8: an identity given through the form or the API lands in the vault only: not in the case store,
not in any other file of the data directory, not in a log line, not in a cookie."""

from __future__ import annotations

import io
import logging
import sqlite3

from sqlalchemy import text

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
