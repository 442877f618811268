"""Each writer appends only its own kinds of audit event, enforced by PostgreSQL (R23, R26).

Connected as the roles ``clueguard roles apply`` makes (tests/datadir/test_roles.py's fixtures, a random
prefix per process): the internet-facing roles cannot append a staff event however they try, the
staff role can, and verification names a staff event a non-staff role wrote on a store whose
trigger was dropped.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from models.audit import checkpoint, trail, writers
from models.audit.tables import AuditEvent
from models.staff import auditing
from models.store.db import Stores
from tests.conftest import AUDITOR_PASSPHRASE as PASSPHRASE
from tests.conftest import PG_URL
from tests.datadir import test_roles
from web.cli.main import main

pytestmark = pytest.mark.postgres
# This process's roles, made by ``clueguard roles apply`` (tests/datadir/test_roles.py).
role_names = test_roles.role_names
role_stores = test_roles.role_stores


def _append(stores: Stores, actor: str, event: str) -> AuditEvent:
    with stores.case() as session:
        return trail.record(session, actor, event, None, request="r-1")


def _writers(stores: Stores) -> list[tuple[str, str | None]]:
    with stores.case() as session:
        return [(e.event, e.writer) for e in session.query(AuditEvent).order_by(AuditEvent.id)]


@pytest.mark.parametrize("backend", ["postgres"])
@pytest.mark.parametrize("role", ["public", "bot"])
@pytest.mark.parametrize(("actor", "event"), [
    ("custodian1", "unseal.approved"),
    ("auditor", "audit.checkpoint"),
    ("reporter", "report.viewed"),          # a staff event under the reporter's name
    ("custodian1", "report.follow_up"),     # a reporter event under a staff name
])
def test_internet_facing_roles_cannot_append_staff_events(role_stores, stores, role, actor, event) -> None:
    with pytest.raises(DBAPIError, match="may not append"):
        _append(role_stores[role], actor, event)
    assert _writers(stores) == []


@pytest.mark.parametrize("backend", ["postgres"])
def test_each_role_appends_its_own_events_and_the_row_names_it(role_stores, role_names, stores) -> None:
    _append(role_stores["public"], "reporter", "report.follow_up")
    _append(role_stores["bot"], "system", "notify.ended")
    _append(role_stores["staff"], "custodian1", "unseal.approved")
    _append(stores, "cli", "staff.added")  # the owner, as ``clueguard staff add`` on the staff host
    owner = str(stores.case_engine.url.username)
    assert _writers(stores) == [("report.follow_up", role_names.name("public")),
                                ("notify.ended", role_names.name("bot")),
                                ("unseal.approved", role_names.name("staff")),
                                ("staff.added", owner)]
    with stores.case() as session:
        assert checkpoint.trail_problems(session) == []


@pytest.mark.parametrize("backend", ["postgres"])
def test_the_bot_role_cannot_submit_as_the_web_form(role_stores) -> None:
    with pytest.raises(DBAPIError, match="may not append"):
        _append(role_stores["bot"], "reporter:web", "report.submitted")
    with pytest.raises(DBAPIError, match="may not append"):
        _append(role_stores["public"], "system", "notify.ended")


@pytest.mark.parametrize("backend", ["postgres"])
def test_a_role_cannot_name_itself_another_writer(role_stores, role_names, stores) -> None:
    """Neither by writing the column, nor by shadowing ``audit_writers`` with a temporary table."""
    staff = role_names.name("staff")
    with pytest.raises(DBAPIError, match="permission denied"), role_stores["public"].case_engine.begin() as conn:
        conn.execute(text("INSERT INTO audit_events (id, at, actor, event, detail, prev_hash, hash, writer) "
                          "VALUES (1, now(), 'reporter', 'report.follow_up', '{}', '', '', :w)"), {"w": staff})
    with pytest.raises(DBAPIError, match="permission denied"), role_stores["public"].case_engine.begin() as conn:
        conn.execute(text("UPDATE audit_writers SET writer = 'staff'"))
    with role_stores["public"].case_engine.connect() as conn:
        conn.execute(text("CREATE TEMP TABLE audit_writers (role_name text, writer text)"))
        conn.execute(text("INSERT INTO audit_writers VALUES (current_user, 'staff')"))
        conn.commit()
        with Session(bind=conn) as session, pytest.raises(DBAPIError, match="may not append"):
            trail.record(session, "custodian1", "unseal.approved", None)
    assert _writers(stores) == []


@pytest.mark.parametrize("backend", ["postgres"])
def test_a_role_that_is_no_writer_is_refused(stores, pg_schemas) -> None:
    """A role a DBA granted by hand, outside ``clueguard roles apply``, appends nothing."""
    name = f"cgaud_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    schema = pg_schemas[0]
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE ROLE "{name}" LOGIN'))
            conn.execute(text(f'GRANT USAGE ON SCHEMA "{schema}" TO "{name}"'))
            conn.execute(text(f'GRANT SELECT, INSERT, UPDATE ON "{schema}".audit_head, "{schema}".audit_events, '
                              f'"{schema}".audit_writers TO "{name}"'))
        url = stores.case_engine.url.set(username=name).render_as_string(hide_password=False)
        stranger = Stores(url, url)
        try:
            with pytest.raises(DBAPIError, match="not a ClueGuard writer"):
                _append(stranger, "reporter", "report.follow_up")
        finally:
            stranger.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'REVOKE ALL ON ALL TABLES IN SCHEMA "{schema}" FROM "{name}"'))
            conn.execute(text(f'REVOKE ALL ON SCHEMA "{schema}" FROM "{name}"'))
            conn.execute(text(f'DROP ROLE "{name}"'))
        admin.dispose()


@pytest.fixture
def trigger_dropped(stores: Stores) -> Iterator[None]:
    """The owner takes the trigger away (a store migrated by hand, or a forger who owns it)."""
    with stores.case_engine.begin() as conn:
        conn.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_writer"))
    yield
    with stores.case_engine.begin() as conn:
        conn.execute(text("ALTER TABLE audit_events ENABLE TRIGGER audit_events_writer"))


@pytest.mark.parametrize("backend", ["postgres"])
def test_verify_names_a_staff_event_the_public_role_wrote(role_stores, role_names, staff_rt, auditor,
                                                          trigger_dropped) -> None:
    _append(role_stores["public"], "reporter", "report.follow_up")
    forged = _append(role_stores["public"], "custodian1", "unseal.approved")
    with staff_rt.stores.case() as session:
        assert trail.verify(session) == []  # the chain itself is whole: only the writer betrays it
        problems = auditing.verify_everything(session).problems
    assert problems == [f"event {forged.id}: unseal.approved by custodian1 written by the public writer "
                        f"({role_names.name('public')}), which may not append it"]
    # The auditor's checkpoint refuses to sign over it, and says where.
    with pytest.raises(checkpoint.ChainBroken) as refused:
        auditing.checkpoint_trail(staff_rt, "auditor", PASSPHRASE)
    assert refused.value.params["where"] == problems[0]
    result = CliRunner().invoke(main, ["audit", "checkpoint", "--auditor", "auditor", "--passphrase-stdin"],
                                input=PASSPHRASE + "\n", obj=staff_rt.config)
    assert result.exit_code != 0
    assert f"event {forged.id}: unseal.approved" in result.output
    assert "nothing was signed" in result.output
    cli_verify = CliRunner().invoke(main, ["audit", "verify"], obj=staff_rt.config)
    assert cli_verify.exit_code == 1 and "may not append it" in cli_verify.output


def test_the_table_covers_what_the_front_ends_write() -> None:
    """The pairs the trigger allows are the ones the intake, status and notice code uses."""
    assert writers.may_append("public", "report.submitted", "reporter:web")
    assert writers.may_append("bot", "notify.subscribed", "reporter:telegram")
    assert writers.may_append("staff", "unseal.approved", "custodian1")
    assert not writers.may_append("public", "notify.subscribed", "reporter:telegram")
    sql = "\n".join(writers.trigger_sql("s"))
    for writer, event, actor in writers._pairs():
        assert f"('{writer}', '{event}', '{actor}')" in sql


@pytest.mark.parametrize("backend", ["postgres"])
def test_the_bot_runs_its_journey_as_its_role(config, role_stores, role_names, stores) -> None:
    """Intake, follow-up and status as ``<prefix>_bot``: the table allows the events the bot's code
    writes, and nothing the bot did is misattributed. (Its reply notices load the report with its
    unit, which the bot role may not read today: issue #21's first finding; their events are
    appended as the bot role above.)"""
    from models.reporting import intake
    from models.store.runtime import open_runtime
    from tests.conftest import submission

    rt = open_runtime(config, staff_side=False, stores=role_stores["bot"])
    receipt = intake.submit_report(rt, submission(channel="telegram"))
    intake.add_follow_up(rt, receipt.code, "还有一段录音。")
    intake.reporter_status(rt, receipt.code)
    bot = role_names.name("bot")
    assert _writers(stores) == [("report.submitted", bot), ("report.follow_up", bot),
                                ("report.status_viewed", bot)]
    with stores.case() as session:
        assert checkpoint.trail_problems(session) == []
