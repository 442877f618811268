"""An attacker with both databases and every key file, after approval, still cannot open an identity."""

from __future__ import annotations

import itertools
import shutil
import sqlite3

import pytest
from sqlalchemy import MetaData, create_engine

import vault
from models.identities.sealing import IDENTITY_FIELDS
from models.staff.officer_keys import PURPOSE as OFFICER_PURPOSE
from tests.protection.conftest import CANARY, approve_by, file_request


def _dump(url: str) -> dict[str, list[dict[str, object]]]:
    """Every row of every table, by reflection: what a copy of the database gives an attacker."""
    engine = create_engine(url)
    meta = MetaData()
    meta.reflect(engine)
    with engine.connect() as conn:
        rows = {t.name: [dict(r._mapping) for r in conn.execute(t.select())] for t in meta.sorted_tables}
    engine.dispose()
    return rows


def _copies(config, backend, tmp_path) -> tuple[str, str, list[bytes]]:
    keys = [p.read_bytes() for p in config.keys_dir.iterdir() if p.is_file()]
    if backend != "sqlite":
        return config.database_url, config.vault_url, keys
    stolen = tmp_path / "stolen"
    stolen.mkdir()
    for name in ("case.db", "vault.db"):
        with sqlite3.connect(config.data_dir / name) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        shutil.copy(config.data_dir / name, stolen / name)
    return f"sqlite:///{stolen / 'case.db'}", f"sqlite:///{stolen / 'vault.db'}", keys


def test_databases_and_key_files_do_not_open_an_identity(staff_rt, config, backend, tmp_path, officer, clue,
                                                         keepers, custodians) -> None:
    rid = file_request(staff_rt, officer, clue)
    approve_by(staff_rt, keepers, custodians, rid, "keeper1", "keeper2")
    case_url, vault_url, key_files = _copies(config, backend, tmp_path)
    case, store = _dump(case_url), _dump(vault_url)

    blobs = [v for rows in (*case.values(), *store.values()) for row in rows for v in row.values()
             if isinstance(v, bytes | memoryview)]
    blobs = [bytes(b) for b in blobs] + key_files
    assert all(CANARY.encode() not in b for b in blobs)
    # Every 32-byte string anywhere (public keys, the intake key, salts, lookups) and every value or key
    # file the size of a hybrid private key (R32) is tried as a private key, and every text value (user
    # names, hashes, TOTP secrets, notes) as a passphrase.
    hybrid = 4 + 64 + 32
    candidates = ({b for b in blobs if len(b) in (32, hybrid)}
                  | {k[4:] for k in key_files if len(k) in (36, 4 + hybrid)})
    texts = {str(v) for rows in (*case.values(), *store.values()) for row in rows for v in row.values()
             if isinstance(v, str)} | {"", "correct horse battery"[:-1], "password"}
    texts.discard("correct horse battery")  # the real sign-in password is not in any store
    texts -= set(custodians.values())
    assert candidates and texts

    [request] = store["unseal_requests"]
    [sealed] = store["sealed_identities"]
    resealed = {r["custodian_id"]: bytes(r["sealed"]) for r in store["resealed_shares"]}
    shares = {r["custodian_id"]: bytes(r["sealed_share"]) for r in store["identity_shares"]}
    wrapped = {c["id"]: bytes(c["wrapped_key"]) for c in store["custodians"]}
    officer_wrapped = [bytes(o["wrapped_key"]) for o in store["officer_keys"]]
    assert len(resealed) == 2 and len(shares) == 3

    for private in candidates:
        with pytest.raises(vault.VaultError):
            vault.open_resealed(bytes(sealed["ciphertext"]), clue.report_id, request["id"], resealed, private)
    for blob, text in itertools.product([*wrapped.values(), *officer_wrapped], texts):
        for purpose in ("custodian", OFFICER_PURPOSE, "intake"):
            with pytest.raises(vault.VaultError):
                vault.unwrap_private_key(blob, text, purpose)
    for pair in itertools.combinations(shares, 2):
        with pytest.raises(vault.VaultError):
            vault.open_identity(bytes(sealed["ciphertext"]), clue.report_id, [
                vault.CustodianShare(cid, shares[cid], wrapped[cid], "") for cid in pair])

    # The control: the requester's own password does open it, so the attempts above were real.
    private = vault.unwrap_private_key(officer_wrapped[0], officer.password, OFFICER_PURPOSE)
    opened = vault.open_resealed(bytes(sealed["ciphertext"]), clue.report_id, request["id"], resealed, private)
    assert CANARY.encode() in opened
    assert set(IDENTITY_FIELDS) <= set(__import__("json").loads(opened))
