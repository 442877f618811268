"""Least-privilege PostgreSQL roles: each role does its job, and is refused everything else.

Roles are global objects: each test process makes its own, with a random suffix, on this
process's schemas, and drops them afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import ProgrammingError

from models.datadir.roles import ROLES, RoleNames, drop_roles_sql
from models.reporting.intake import add_follow_up, reporter_status, submit_report
from models.reporting.orphans import find_orphans
from models.store.config import Config
from models.store.db import Stores
from models.store.runtime import Runtime, open_runtime
from tests.conftest import PG_URL, submission
from web.cli.main import main

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def role_names(pg_schemas: tuple[str, str]) -> Iterator[RoleNames]:
    """This process's three roles, granted on its two schemas (case, vault)."""
    names = RoleNames(prefix=f"cgt{os.getpid()}{uuid.uuid4().hex[:6]}")
    case_schema, vault_schema = pg_schemas
    # Through the command an operator runs, connected as the owner.
    result = CliRunner().invoke(main, ["roles", "apply", "--prefix", names.prefix, "--case-schema", case_schema,
                                       "--vault-schema", vault_schema],
                                obj=Config(data_dir=Path("unused"), database_url=PG_URL, vault_url=PG_URL))
    assert result.exit_code == 0, result.output
    yield names
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for sql in drop_roles_sql(names, list(pg_schemas), case_schema=pg_schemas[0]):
            conn.execute(text(sql))
    admin.dispose()


def _as(role: str, names: RoleNames, schema: str) -> str:
    url = make_url(PG_URL).set(username=names.name(role), password=None)
    return url.set(query={**url.query, "options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)


@pytest.fixture
def role_stores(role_names: RoleNames, pg_schemas: tuple[str, str], stores: Stores) -> Iterator[dict[str, Stores]]:
    """Both stores as each role sees them (the owner's ``stores`` fixture made the tables)."""
    made = {role: Stores(_as(role, role_names, pg_schemas[0]), _as(role, role_names, pg_schemas[1]))
            for role in ROLES}
    yield made
    for s in made.values():
        s.dispose()


def _refused(stores: Stores, store: str, sql: str) -> None:
    engine = stores.case_engine if store == "case" else stores.vault_engine
    with pytest.raises(ProgrammingError, match="permission denied"), engine.begin() as conn:
        conn.execute(text(sql))


@pytest.mark.parametrize("backend", ["postgres"])
def test_public_role_runs_intake_follow_up_and_status(config: Config, role_stores, custodians) -> None:
    rt = open_runtime(config, staff_side=False, stores=role_stores["public"])
    anonymous = submit_report(rt, submission())
    confidential = submit_report(rt, submission(identity={"name": "王某", "phone": "13900000000"}))
    assert add_follow_up(rt, anonymous.code, "还有一段录音。") == anonymous.registry_no
    status = reporter_status(rt, anonymous.code)
    assert status.registry_no == anonymous.registry_no and [m.text for m in status.messages] == ["还有一段录音。"]
    assert reporter_status(rt, confidential.code).registry_no == confidential.registry_no


PUBLIC_REFUSALS = [
    ("case", "SELECT * FROM staff"),
    ("case", "SELECT * FROM units"),
    ("case", "SELECT * FROM data_keys"),
    ("case", "SELECT * FROM audit_events"),
    ("case", "UPDATE audit_events SET event = 'x'"),
    ("case", "DELETE FROM audit_events"),
    ("case", "UPDATE reports SET state = 'closed'"),
    ("case", "DELETE FROM reports"),
    ("case", "SELECT * FROM case_records"),
    ("case", "SELECT * FROM protection_cases"),
    ("case", "SELECT * FROM reply_subscriptions"),
    ("vault", "SELECT * FROM sealed_identities"),
    ("vault", "SELECT * FROM identity_shares"),
    ("vault", "DELETE FROM sealed_identities"),
    ("vault", "UPDATE custodians SET active = false"),
    ("vault", "SELECT * FROM officer_keys"),
    ("vault", "SELECT * FROM unseal_requests"),
    ("vault", "INSERT INTO vault_settings (name, value) VALUES ('threshold', '1')"),
]


@pytest.mark.parametrize("backend", ["postgres"])
@pytest.mark.parametrize(("store", "sql"), PUBLIC_REFUSALS)
def test_public_role_is_refused(role_stores, store: str, sql: str) -> None:
    _refused(role_stores["public"], store, sql)


@pytest.mark.parametrize("backend", ["postgres"])
@pytest.mark.parametrize(("store", "sql"), [p for p in PUBLIC_REFUSALS if "reply_subscriptions" not in p[1]])
def test_bot_role_is_refused_the_same(role_stores, store: str, sql: str) -> None:
    _refused(role_stores["bot"], store, sql)


@pytest.mark.parametrize("backend", ["postgres"])
def test_bot_role_keeps_its_reply_subscriptions(role_stores) -> None:
    with role_stores["bot"].case_engine.begin() as conn:
        conn.execute(text("SELECT count(*) FROM reply_subscriptions"))
        conn.execute(text("DELETE FROM reply_subscriptions WHERE false"))


@pytest.mark.parametrize("backend", ["postgres"])
@pytest.mark.parametrize("sql", ["UPDATE audit_events SET event = 'x'", "DELETE FROM audit_events",
                                 "TRUNCATE audit_events", "DELETE FROM audit_head"])
def test_staff_role_cannot_rewrite_the_audit_trail(role_stores, sql: str) -> None:
    _refused(role_stores["staff"], "case", sql)


@pytest.mark.parametrize("backend", ["postgres"])
def test_staff_role_does_its_work(config: Config, role_stores, staff_rt: Runtime) -> None:
    """The staff side reads and changes workflow rows and the vault, and appends audit events."""
    from models.audit.trail import verify
    from models.staff.accounts import add_staff

    rt = open_runtime(config, staff_side=True, stores=role_stores["staff"])
    add_staff(rt, "roleclerk", "intake", "第一科", "correct horse battery")
    with role_stores["staff"].case_engine.begin() as conn:
        conn.execute(text("SELECT count(*) FROM staff"))
        conn.execute(text("UPDATE reports SET state = state WHERE false"))
    with role_stores["staff"].vault_engine.begin() as conn:
        conn.execute(text("SELECT count(*) FROM sealed_identities"))
    with rt.stores.case() as session:
        assert verify(session) == []


@pytest.mark.parametrize("backend", ["postgres"])
def test_failed_intake_as_public_leaves_an_orphan_for_the_doctor(config: Config, role_stores, custodians,
                                                                 stores: Stores) -> None:
    """The public role cannot delete from the vault: a failed case-store write leaves an orphan."""
    rt = open_runtime(config, staff_side=False, stores=role_stores["public"])
    # Taking the case-store insert right away makes the case-store half fail after the vault commit.
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'REVOKE INSERT ON "{_schema(config)}".reports FROM "{_role(role_stores)}"'))
    try:
        with pytest.raises(ProgrammingError):
            submit_report(rt, submission(identity={"name": "赵某"}))
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'GRANT INSERT ON "{_schema(config)}".reports TO "{_role(role_stores)}"'))
        admin.dispose()
    assert len(find_orphans(stores, older_than=timedelta(0))) == 1


def _schema(config: Config) -> str:
    return make_url(config.database_url).query["options"].split("=", 1)[1]  # type: ignore[union-attr]


def _role(role_stores: dict[str, Stores]) -> str:
    return str(role_stores["public"].case_engine.url.username)


# --- the apps themselves as their roles (issue 21: no test ran an app as its role) ------------------


def _survey_for(staff_rt: Runtime, registry_no: str) -> None:
    """The clue is closed and this month's survey asks its reporter (the staff side's job)."""
    from sqlalchemy import update

    from models.cases.survey import run_monthly_survey
    from models.reporting.tables import Report

    with staff_rt.stores.case() as session:
        session.execute(update(Report).where(Report.registry_no == registry_no).values(state="closed"))
    assert len(run_monthly_survey(staff_rt, size=10)) == 1


@pytest.mark.parametrize("backend", ["postgres"])
def test_public_app_web_form_status_and_survey_as_its_role(config: Config, role_stores, staff_rt: Runtime,
                                                           custodians) -> None:
    """The no-JavaScript reporter's pages, served by the public app connected as its role."""
    from tests.conftest import jpeg_with_gps
    from tests.public.conftest import Reporter, csrf_token, receipt_of
    from web.public import create_public_app

    rt = open_runtime(config, staff_side=False, stores=role_stores["public"])
    reporter = Reporter(create_public_app(config, rt).test_client())
    # The form's resend check once loaded the report with its unit and handler: a staff table.
    received = reporter.submit(files=[(jpeg_with_gps(), "photo.jpg")])
    assert received.status_code == 200, received.status_code
    registry_no, code = receipt_of(received)
    assert reporter.reply(code, "补充一点情况。").status_code == 200
    # The status page once read the whole survey row: a table the role had no grant on.
    assert reporter.status(code).status_code == 200
    _survey_for(staff_rt, registry_no)
    page = reporter.status(code)
    assert page.status_code == 200 and 'name="satisfaction"' in page.text
    answered = reporter.client.post("/status/survey", data={
        "receipt": code, "satisfaction": "basically", "survey_text": "基本满意。",
        "csrf_token": csrf_token(reporter.client, "/status")})
    assert answered.status_code == 200
    assert 'name="satisfaction"' not in reporter.status(code).text


@pytest.mark.parametrize("backend", ["postgres"])
def test_bot_role_answers_the_survey(config: Config, role_stores, staff_rt: Runtime, custodians) -> None:
    from models.cases.survey import answer_survey

    rt = open_runtime(config, staff_side=False, stores=role_stores["bot"])
    receipt = submit_report(rt, submission(channel="telegram"))  # the bot files as reporter:telegram
    _survey_for(staff_rt, receipt.registry_no)
    assert answer_survey(rt, receipt.code, "satisfied", "满意。") == receipt.registry_no


@pytest.mark.parametrize("backend", ["postgres"])
@pytest.mark.parametrize("role", ["public", "bot"])
@pytest.mark.parametrize("sql", ["SELECT month FROM surveys", "SELECT asked_at FROM surveys",
                                 "UPDATE surveys SET month = '2000-01'", "DELETE FROM surveys",
                                 "INSERT INTO surveys (report_id, month, message_id) VALUES ('x', 'y', 'z')"])
def test_reporter_roles_see_only_the_answer_columns_of_surveys(role_stores, role: str, sql: str) -> None:
    _refused(role_stores[role], "case", sql)
