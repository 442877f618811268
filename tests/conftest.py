"""Shared fixtures: a test Config (cheap Argon2 only here), both stores on SQLite and PostgreSQL.

Database tests take the ``backend`` fixture and run twice: on SQLite files and on PostgreSQL
(CLUEGUARD_TEST_POSTGRES_URL; .ci/run sets it). Each test process gets its own PostgreSQL
schemas, migrated once and truncated between tests.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import create_engine, text

import vault
from models.datadir.schema import upgrade_all
from models.protection.custodians import run_ceremony
from models.reporting.intake import Person, Submission
from models.staff import auditing
from models.staff.accounts import accept_pledge, add_staff
from models.store.config import Config
from models.store.db import CaseBase, Stores, VaultBase
from models.store.keys import generate_intake_key
from models.store.runtime import Runtime, ensure_site_salt, open_runtime


def _redis_per_worker() -> None:
    """Give each pytest-xdist worker its own Redis database (gw0 the configured one, gw1 the one
    below …), so that one worker's flush or spent rate-limit budget never reaches another's tests.
    Runs at import, before any test module reads CLUEGUARD_TEST_REDIS_URL."""
    worker, url = os.environ.get("PYTEST_XDIST_WORKER", ""), os.environ.get("CLUEGUARD_TEST_REDIS_URL", "")
    if not url or not re.fullmatch(r"gw\d+", worker):
        return
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    os.environ["CLUEGUARD_TEST_REDIS_URL"] = urlunsplit(parts._replace(path=f"/{(base - int(worker[2:])) % 16}"))


_redis_per_worker()
PG_URL = os.environ.get("CLUEGUARD_TEST_POSTGRES_URL", "")
PASSWORD = "correct horse battery"
TESTS_NETWORK_LIMIT = "10000 per minute"


def _pg_url(schema: str) -> str:
    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options=-csearch_path%3D{schema}"


DOCS = Path(__file__).resolve().parent.parent / "docs"


def _digests(folder: Path) -> dict[str, str]:
    return {str(f.relative_to(folder)): hashlib.sha256(f.read_bytes()).hexdigest()
            for f in sorted(folder.rglob("*")) if f.is_file()}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under ``make test``'s workers (pytest-xdist, ``--dist loadgroup``: a test file to a worker),
    the production suite's files go to one worker together: they share one package-scoped stack of
    nginx, four app servers, the bot and Redis, which two workers would each start."""
    for item in items:
        if item.nodeid.startswith("tests/production/"):
            item.add_marker(pytest.mark.xdist_group("production"))


@pytest.fixture(scope="session", autouse=True)
def docs_left_as_they_were() -> Iterator[None]:
    """A test run leaves docs/ as it found it (after `make test`, `git status` is clean): the
    browser tests write their screenshots and figures to a temporary directory, and into
    docs/screenshots only when `make screenshots` asks (CLUEGUARD_SCREENSHOTS_OUT)."""
    asked = bool(os.environ.get("CLUEGUARD_SCREENSHOTS_OUT"))
    before = {} if asked else _digests(DOCS)
    yield
    if not asked:
        after = _digests(DOCS)
        changed = sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))
        assert changed == [], f"the tests changed docs/: {changed} (write to tests.public.browser.SCREENSHOTS)"


@pytest.fixture(scope="session")
def pg_schemas() -> Iterator[tuple[str, str]]:
    """Two fresh schemas (case, vault) for this test process, migrated once."""
    if not PG_URL:
        pytest.skip("CLUEGUARD_TEST_POSTGRES_URL is not set")
    tag = f"cgt_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    names = (f"{tag}_case", f"{tag}_vault")
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f'CREATE SCHEMA "{name}"'))
    stores = Stores(_pg_url(names[0]), _pg_url(names[1]))
    upgrade_all(stores)
    stores.dispose()
    yield names
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
    admin.dispose()


def _truncate(stores: Stores) -> None:
    for engine, base in ((stores.case_engine, CaseBase), (stores.vault_engine, VaultBase)):
        # ``audit_writers`` names the roles ``clueguard roles apply`` made for this process's
        # schemas: installation settings that outlive a test, as the roles do.
        names = ", ".join(f'"{t.name}"' for t in base.metadata.sorted_tables if t.name != "audit_writers")
        with engine.begin() as conn:
            # The audit tables refuse TRUNCATE (R23); only a superuser's replica mode skips that.
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def config(tmp_path: Path, backend: str, request: pytest.FixtureRequest) -> Config:
    """A fresh data directory; the only place Argon2 is made cheap."""
    data_dir = tmp_path / "data"
    urls: dict[str, str] = {}
    if backend == "postgres":
        case_schema, vault_schema = request.getfixturevalue("pg_schemas")
        urls = {"database_url": _pg_url(case_schema), "vault_url": _pg_url(vault_schema)}
        # Every test starts from empty tables, whether or not it asks for ``stores``.
        fresh = Stores(urls["database_url"], urls["vault_url"])
        _truncate(fresh)
        fresh.dispose()
    # Every test client is one address: the per-network receipt budget (a few look-ups in ten
    # seconds) is set wide here and tested at its production value where it is the subject
    # (tests/public/test_rate_limits.py, tests/test_edge_receipts.py).
    return Config(data_dir=data_dir, argon2=vault.CHEAP, receipt_network_rate_limit=TESTS_NETWORK_LIMIT, **urls)


@pytest.fixture
def stores(config: Config, backend: str) -> Iterator[Stores]:
    config.data_dir.mkdir(parents=True, exist_ok=True)
    generate_intake_key(config)
    s = Stores(config.database_url, config.vault_url)
    if backend == "sqlite":
        upgrade_all(s)  # PostgreSQL schemas are migrated once per session (pg_schemas)
    ensure_site_salt(s)
    yield s
    s.dispose()


@pytest.fixture
def public_rt(config: Config, stores: Stores) -> Runtime:
    """What the internet side holds: public keys only."""
    return open_runtime(config, staff_side=False, stores=stores)


@pytest.fixture
def staff_rt(config: Config, stores: Stores) -> Runtime:
    """What the staff side holds: the intake private key too. The default test unit, 第一科, is
    the intake office, so its staff see new clues (R20)."""
    from models.confidentiality.offices import set_intake_office

    rt = open_runtime(config, staff_side=True, stores=stores)
    set_intake_office(rt, INTAKE_OFFICE)
    return rt


INTAKE_OFFICE = "第一科"


@dataclass(frozen=True)
class StaffUser:
    id: int
    username: str
    role: str
    password: str
    totp_secret: str

    def totp(self) -> str:
        return pyotp.TOTP(self.totp_secret).now()


@pytest.fixture
def make_staff(staff_rt: Runtime):  # type: ignore[no-untyped-def]
    """Factory: make_staff("alice", "intake", unit="Unit A") -> StaffUser."""

    def make(username: str, role: str, unit: str | None = "第一科") -> StaffUser:
        acct = add_staff(staff_rt, username, role, unit, PASSWORD)
        return StaffUser(acct.staff_id, username, role, PASSWORD, acct.totp_secret)

    return make


AUDITOR_PASSPHRASE = "the auditor's own passphrase"


@pytest.fixture
def auditor(staff_rt: Runtime, make_staff) -> StaffUser:  # type: ignore[no-untyped-def]
    """An auditor who accepted the undertaking and holds a signing key (``AUDITOR_PASSPHRASE``)."""
    user = make_staff("auditor", "auditor", unit=None)
    accept_pledge(staff_rt, user.id)
    auditing.create_auditor_key(staff_rt, "auditor", AUDITOR_PASSPHRASE)
    return user


@pytest.fixture
def custodians(staff_rt: Runtime, make_staff) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """A 2-of-3 vault: custodian username -> passphrase."""
    people = {f"keeper{i}": f"passphrase-of-keeper-{i}" for i in range(1, 4)}
    for name in people:
        make_staff(name, "custodian", unit=None)
    run_ceremony(staff_rt, 2, list(people.items()))
    return people


def jpeg_with_gps(maker: str = "CanaryCam", software: str | None = None) -> bytes:
    """A small JPEG carrying identifying EXIF: camera make, GPS position, optionally software."""
    img = Image.new("RGB", (40, 30), (200, 10, 10))
    exif = Image.Exif()
    exif[0x010F] = maker  # Make
    if software:
        exif[0x0131] = software
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (39.0, 54.0, 27.0)
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def submission(**changes: object) -> Submission:
    """A complete, valid clue; tests change what they are about."""
    values: dict[str, object] = {
        "category": "village_bully",
        "description": "村里有人强占集体土地，殴打村民。",
        "notice_accepted": True,
        "location": "某县某村",
        "occurred_on": "2026-10",
        "reported": [Person(name="张某", unit="某村委会", position="主任", place="某村")],
        "shielding": [Person(name="李某", unit="某镇派出所", position="所长")],
    }
    values.update(changes)
    return Submission(**values)  # type: ignore[arg-type]


# --- the staff app -------------------------------------------------------------------------

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class StaffClient:
    """A signed-in browser session on the staff app, with CSRF tokens handled like a browser."""

    def __init__(self, client: FlaskClient, user: StaffUser) -> None:
        self.client = client
        self.user = user

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.client.get(path, **kwargs)

    def csrf(self, page: str = "/") -> str:
        html = self.client.get(page).get_data(as_text=True)
        found = _CSRF.search(html)
        if not found:
            raise AssertionError(f"no CSRF token on {page}")
        return found.group(1)

    def post(self, path: str, data: dict[str, Any] | None = None, page: str | None = None,
             **kwargs: Any) -> Any:
        """POST a form, taking the CSRF token from ``page`` (default: the same path)."""
        form = dict(data or {})
        form.setdefault("csrf_token", self.csrf(page or path))
        return self.client.post(path, data=form, **kwargs)


def _sign_in_form(client: FlaskClient, user: StaffUser) -> Any:
    html = client.get("/login").get_data(as_text=True)
    token = _CSRF.search(html)
    return client.post("/login", data={
        "csrf_token": token.group(1) if token else "",
        "username": user.username, "password": user.password, "totp": user.totp(),
    })


@pytest.fixture
def staff_app(config: Config, staff_rt: Runtime) -> Flask:
    from web.staff import create_staff_app

    app = create_staff_app(config, staff_rt)
    app.config["TESTING"] = True
    return app


@pytest.fixture
def sign_in(staff_app: Flask, staff_rt: Runtime):  # type: ignore[no-untyped-def]
    """sign_in(user, pledge=True) -> StaffClient, signed in through the real form."""

    def do(user: StaffUser, pledge: bool = True) -> StaffClient:
        if pledge:
            accept_pledge(staff_rt, user.id)
        client = staff_app.test_client()
        response = _sign_in_form(client, user)
        if response.status_code != 302:
            raise AssertionError(f"sign-in failed for {user.username}: {response.status_code}")
        return StaffClient(client, user)

    return do


@pytest.fixture
def api_token(staff_app: Flask, staff_rt: Runtime):  # type: ignore[no-untyped-def]
    """api_token(user) -> headers with a bearer token (pledge accepted; no TOTP step used)."""
    from models.staff.accounts import get_staff
    from web.staff.api import issue_token

    def do(user: StaffUser) -> dict[str, str]:
        accept_pledge(staff_rt, user.id)
        with staff_app.app_context():
            token = issue_token(get_staff(staff_rt, user.id))
        return {"Authorization": f"Bearer {token}"}

    return do


def enroll(rt: Runtime, username: str, code: str, password: str = PASSWORD) -> StaffUser:
    """The person's side of an enrollment code: their own password and a fresh TOTP seed."""
    import time_machine

    from models.staff import enrollment
    from models.store.db import utcnow

    seed = enrollment.start_enrollment(rt, username, code)
    # Enrolled a minute ago: the code it used is spent, the current one signs in (replay rule).
    with time_machine.travel(utcnow() - timedelta(seconds=60), tick=False):
        staff = enrollment.complete_enrollment(rt, username, code, password, pyotp.TOTP(seed).now())
    return StaffUser(staff.id, username, staff.role, password, seed)


def as_forger(stores: Stores, *statements: Any) -> None:
    """Run statements as someone who owns the database and gets past the append-only triggers.

    On SQLite the owner drops the triggers and puts them back; on PostgreSQL a superuser switches
    to replica mode, in which ordinary triggers do not fire. Checkpoints must still catch it.
    """
    engine = stores.case_engine
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            for statement in statements:
                conn.execute(text(statement) if isinstance(statement, str) else statement)
            return
        triggers = conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")).all()
        for name, _sql in triggers:
            conn.execute(text(f'DROP TRIGGER "{name}"'))
        for statement in statements:
            conn.execute(text(statement) if isinstance(statement, str) else statement)
        for _name, sql in triggers:
            conn.execute(text(sql))
