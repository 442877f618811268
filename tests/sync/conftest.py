"""Two nodes of a split deployment, each with its own data directory and databases.

The internal node runs on the ``backend`` (SQLite or PostgreSQL); the intake node on SQLite, or
on its own PostgreSQL schemas when the backend is PostgreSQL. In-process tests carry packets
through the intake node's real sync endpoint (a Flask test client); tests/sync/test_processes.py
runs the nodes as separate processes.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, select, text

import vault
from models.confidentiality.offices import set_intake_office
from models.datadir.setup import init_site
from models.identities.tables import IdentityShare, SealedIdentityRow
from models.protection.custodians import run_ceremony
from models.staff.accounts import add_staff
from models.store.config import Config
from models.store.db import Stores
from models.store.runtime import Runtime, open_runtime
from models.sync.exchange import RoundResult, open_sync_runtime, sync_until_done
from models.sync.keys import load_own_public, pair_with
from models.sync.packets import SyncRefused
from tests.conftest import PASSWORD, PG_URL, _pg_url, _truncate
from web.sync import create_sync_app

KEEPERS = {f"keeper{i}": f"passphrase-of-keeper-{i}" for i in range(1, 4)}


@pytest.fixture(scope="session")
def pg_intake_schemas() -> Iterator[tuple[str, str]]:
    """The intake node's own two schemas on PostgreSQL (apart from the internal node's)."""
    if not PG_URL:
        pytest.skip("CLUEGUARD_TEST_POSTGRES_URL is not set")
    tag = f"cgi_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    names = (f"{tag}_case", f"{tag}_vault")
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f'CREATE SCHEMA "{name}"'))
    yield names
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
    admin.dispose()


@dataclass
class Nodes:
    intake: Config
    internal: Config
    intake_sync: Runtime
    internal_sync: Runtime
    endpoint: FlaskClient
    clerk_id: int

    def public(self) -> Runtime:
        """The intake node's public app runtime (after the first sync brought the keys)."""
        return open_runtime(self.intake, staff_side=False, stores=self.intake_sync.stores)

    def staff(self) -> Runtime:
        return open_runtime(self.internal, staff_side=True, stores=self.internal_sync.stores)

    def send(self, data: bytes) -> bytes:
        """Carry a request to the intake node's sync endpoint, as the HTTP client would."""
        response = self.endpoint.post("/sync", data=data)
        if response.status_code != 200:
            raise SyncRefused(response.get_data(as_text=True).strip())
        return response.get_data()

    def sync(self) -> list[RoundResult]:
        return sync_until_done(self.internal_sync, self.send)

    def open_identity(self, report_id: str) -> bytes:
        """What two custodians together open on the internal node (bypassing the workflow)."""
        from models.identities.tables import Custodian

        with self.internal_sync.stores.vault() as vs:
            row = vs.scalar(select(SealedIdentityRow).where(SealedIdentityRow.report_id == report_id))
            assert row is not None
            shares = vs.scalars(select(IdentityShare).where(IdentityShare.identity_id == row.id)).all()
            keepers = {c.id: c for c in vs.scalars(select(Custodian)).all()}
            picked = [vault.CustodianShare(s.custodian_id, s.sealed_share, keepers[s.custodian_id].wrapped_key,
                                           KEEPERS[keepers[s.custodian_id].username]) for s in shares][:2]
            return vault.open_identity(row.ciphertext, report_id, picked)


def make_intake_config(tmp_path: Path, backend: str, request: pytest.FixtureRequest) -> Config:
    urls: dict[str, str] = {}
    if backend == "postgres":
        case_schema, vault_schema = request.getfixturevalue("pg_intake_schemas")
        urls = {"database_url": _pg_url(case_schema), "vault_url": _pg_url(vault_schema)}
    return Config(data_dir=tmp_path / "intake", argon2=vault.CHEAP, role="intake", **urls)


def set_up_pair(intake: Config, internal: Config) -> None:
    """Both nodes initialised for their roles and paired (the keys exchanged at set-up)."""
    init_site(internal)
    init_site(intake)
    pair_with(intake, load_own_public(internal))
    pair_with(internal, load_own_public(intake))


def open_pair(tmp_path: Path, backend: str, config: Config, request: pytest.FixtureRequest) -> Nodes:
    """Two paired nodes as a site starts: three custodians (2 of 3), a clerk of the intake office,
    and the intake node's sync endpoint; ``close_pair`` when done."""
    internal = config.with_changes(role="internal")
    intake = make_intake_config(tmp_path, backend, request)
    set_up_pair(intake, internal)
    if backend == "postgres":  # the intake schemas outlive a test: start from empty tables
        s = Stores(intake.database_url, intake.vault_url)
        _truncate(s)
        s.dispose()
        init_site(intake)
    internal_sync = open_sync_runtime(internal)
    staff_rt = open_runtime(internal, staff_side=True, stores=internal_sync.stores)
    for name in KEEPERS:
        add_staff(staff_rt, name, "custodian", None, PASSWORD)
    run_ceremony(staff_rt, 2, list(KEEPERS.items()))
    clerk = add_staff(staff_rt, "clerk", "intake", "第一科", PASSWORD)
    set_intake_office(staff_rt, "第一科")  # new clues belong to the intake office (R20)
    intake_sync = open_sync_runtime(intake)
    app = create_sync_app(intake, intake_sync)
    return Nodes(intake, internal, intake_sync, internal_sync, app.test_client(), clerk.staff_id)


def close_pair(nodes: Nodes) -> None:
    nodes.intake_sync.stores.dispose()
    nodes.internal_sync.stores.dispose()


@pytest.fixture
def nodes(tmp_path: Path, backend: str, config: Config, request: pytest.FixtureRequest) -> Iterator[Nodes]:
    pair = open_pair(tmp_path, backend, config, request)
    yield pair
    close_pair(pair)


Sender = Callable[[bytes], bytes]
