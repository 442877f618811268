"""Issue 21: the intake node's sync endpoint connects as its own least-privilege role (``sync``,
models/datadir/roles.py) on PostgreSQL: a whole round works through it, and the role is refused
what the endpoint never needs (staff tables, changing audit rows, staff events, receipts)."""

from __future__ import annotations

import dataclasses
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, func, make_url, select, text
from sqlalchemy.exc import ProgrammingError

from models.audit import trail
from models.audit.tables import AuditEvent
from models.cases import casework
from models.datadir.roles import RoleNames, drop_roles_sql
from models.identities.tables import SealedIdentityRow
from models.reporting import intake
from models.reporting.files import Upload
from models.reporting.tables import DataKey, Report
from models.store.config import Config
from models.store.db import Stores
from models.sync.exchange import open_sync_runtime
from tests.conftest import PG_URL, jpeg_with_gps, submission
from tests.sync.conftest import Nodes
from web.cli.main import main
from web.sync import create_sync_app

pytestmark = pytest.mark.parametrize("backend", ["postgres"])


def _as(role: str, names: RoleNames, schema: str) -> str:
    url = make_url(PG_URL).set(username=names.name(role), password=None)
    return url.set(query={**url.query, "options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)


@pytest.fixture
def as_sync_role(nodes: Nodes, pg_intake_schemas: tuple[str, str]) -> Iterator[tuple[Nodes, RoleNames, Stores]]:
    """The intake node's endpoint rebuilt on the ``sync`` role (`clueguard roles apply` as the owner)."""
    names = RoleNames(prefix=f"cgs{os.getpid()}{uuid.uuid4().hex[:6]}")
    case_schema, vault_schema = pg_intake_schemas
    applied = CliRunner().invoke(main, ["roles", "apply", "--prefix", names.prefix, "--case-schema", case_schema,
                                        "--vault-schema", vault_schema],
                                 obj=Config(data_dir=Path("unused"), database_url=PG_URL, vault_url=PG_URL))
    assert applied.exit_code == 0, applied.output
    config = nodes.intake.with_changes(database_url=_as("sync", names, case_schema),
                                       vault_url=_as("sync", names, vault_schema))
    rt = open_sync_runtime(config)
    endpoint = create_sync_app(config, rt).test_client()
    try:
        yield dataclasses.replace(nodes, endpoint=endpoint), names, rt.stores
    finally:
        rt.stores.dispose()
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            for sql in drop_roles_sql(names, [case_schema, vault_schema], case_schema=case_schema):
                conn.execute(text(sql))
        admin.dispose()


def test_a_sync_round_works_as_the_sync_role(as_sync_role) -> None:
    nodes, names, _role = as_sync_role
    nodes.sync()  # down: the intake key, the custodians' public keys, the threshold, the suite
    public = nodes.public()
    receipt = intake.submit_report(public, submission(identity={"name": "王五"},
                                                      files=[Upload("photo.jpg", jpeg_with_gps())]))
    intake.add_follow_up(public, receipt.code, "补充：还有一个人。")
    assert sum(r.received_items for r in nodes.sync()) == 2  # up, then purged once acknowledged
    staff = nodes.staff()
    case = casework.open_case(staff, nodes.clerk_id, receipt.report_id)
    assert case.clue["description"] and len(case.files) == 1
    casework.reply_to_reporter(staff, nodes.clerk_id, receipt.report_id, "收到，请补充。")
    nodes.sync()  # down: the sealed reply
    assert [m.text for m in intake.reporter_status(public, receipt.code).messages][-1] == "收到，请补充。"
    with public.stores.case() as cs:
        assert cs.get(Report, receipt.report_id).content == b""
        assert cs.scalar(select(func.count()).select_from(DataKey)) == 0
        writers = set(cs.scalars(select(AuditEvent.writer).where(AuditEvent.event.like("sync.%"))))
    assert writers == {names.name("sync")}  # appended by the endpoint, as its own role
    with public.stores.vault() as vs:
        assert vs.scalar(select(func.count()).select_from(SealedIdentityRow)) == 0


@pytest.mark.parametrize(("store", "sql"), [
    ("case", "SELECT * FROM staff"),
    ("vault", "SELECT * FROM unseal_requests"),
    ("case", "SELECT * FROM reply_subscriptions"),
    ("case", "UPDATE audit_events SET actor = 'x'"),
    ("case", "DELETE FROM audit_events"),
    ("case", "DELETE FROM audit_head"),
    ("case", "UPDATE reports SET receipt_lookup = NULL"),
    ("case", "DELETE FROM reports"),
    ("case", "DELETE FROM messages"),
    ("vault", "UPDATE custodians SET wrapped_key = ''"),
    ("vault", "INSERT INTO sealed_identities (id, report_id, ciphertext, threshold, created_at) "
              "VALUES ('x', 'y', '', 2, now())"),
])
def test_the_sync_role_is_refused_what_it_must_not_do(as_sync_role, store: str, sql: str) -> None:
    _nodes, _names, role = as_sync_role
    engine = role.case_engine if store == "case" else role.vault_engine
    with pytest.raises(ProgrammingError, match="permission denied"), engine.begin() as conn:
        conn.execute(text(sql))


def test_the_sync_role_appends_only_its_own_events(as_sync_role) -> None:
    _nodes, _names, role = as_sync_role
    with pytest.raises(ProgrammingError, match="may not append"), role.case() as cs:
        trail.record(cs, "keeper1", "unseal.approved", None)
    with role.case() as cs:
        trail.record(cs, "system:sync", "sync.acknowledged", None, stream="up", seq=0, items=0)
