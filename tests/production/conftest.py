"""The production stack, started once for this package and stopped after its last test
(tests/production/stack.py).

Skips, saying why, only where nginx or PostgreSQL (or the test Redis) is not there; CI has all three.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from benchmarks.layout import PUBLIC_HOST_KEYS, copy_keys
from models.store.config import config_from_env
from models.store.keys import load_or_create_secret
from models.store.runtime import Runtime, open_runtime
from tests.conftest import PASSWORD, PG_URL, StaffUser
from tests.production.stack import NGINX, Databases, Stack, make_ca, new_prefix, start_nginx
from tests.sync.procs import free_port, wait_for_port

REDIS_URL = os.environ.get("CLUEGUARD_TEST_REDIS_URL", "")
UNIT = "第一科"
CUSTODIANS = {f"keeper{i}": f"passphrase-of-keeper-{i}-in-production" for i in range(1, 4)}

pytestmark = pytest.mark.postgres


@dataclass
class People:
    """The accounts the journeys sign in with (made on the staff side, as its role)."""

    clerk: StaffUser
    head: StaffUser
    deputy: StaffUser
    officer: StaffUser
    keepers: dict[str, StaffUser]
    auditor: StaffUser


@pytest.fixture(scope="package")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if NGINX is None or shutil.which("openssl") is None:
        pytest.skip("Debian's nginx or openssl is not installed (`make test` installs both): the production "
                    "suite needs them")
    if not PG_URL:
        pytest.skip("CLUEGUARD_TEST_POSTGRES_URL is not set: the production suite needs PostgreSQL")
    if not REDIS_URL:
        pytest.skip("CLUEGUARD_TEST_REDIS_URL is not set: the production suite needs Redis")
    base = tmp_path_factory.mktemp("production")
    (base / "logs").mkdir()
    stack = Stack(base=base, db=Databases(PG_URL, new_prefix()), redis_url=REDIS_URL)
    stack.db.create()
    try:
        _set_up(stack)
        yield stack
    finally:
        stack.stop_all()
        stack.db.drop()


def _set_up(stack: Stack) -> None:
    base = stack.base
    dirs = stack.data_dirs
    for host in ("staff-a", "staff-b", "public-a", "public-b", "bot", "jobs"):
        dirs[host] = base / host
    # The owner migrates both databases and makes the roles, as docs/deployment.md says.
    stack.cli(["init"], stack.owner_env(dirs["staff-a"]))
    stack.cli(["roles", "apply", "--prefix", stack.db.prefix, "--case-schema", stack.db.names["case"],
               "--vault-schema", stack.db.names["vault"]], stack.owner_env(dirs["staff-a"]))
    # Each host's data directory holds what its env file says: the staff hosts the intake key
    # pair, the public hosts and the bot the public key only, and the public hosts the public
    # app's two secrets that init made. The staff hosts share the staff session key.
    load_or_create_secret(config_from_env(stack.env("staff", dirs["staff-a"])), "staff-session.key")
    copy_keys(dirs["staff-a"], dirs["staff-b"], ["intake.key", "intake.pub", "staff-session.key"])
    copy_keys(dirs["staff-a"], dirs["jobs"], ["intake.key", "intake.pub"])
    for host in ("public-a", "public-b"):
        copy_keys(dirs["staff-a"], dirs[host], PUBLIC_HOST_KEYS)
    copy_keys(dirs["staff-a"], dirs["bot"], ["intake.pub"])
    names = ("public-a", "public-b", "staff-a", "staff-b", "bot", "http", "https", "tor", "staff", "staff-http")
    stack.ports.update({name: free_port() for name in names})
    stack.tls.update(make_ca(base / "tls"))
    for host in ("public-a", "public-b"):
        stack.serve("public", host, stack.ports[host], wait=False)
    for host in ("staff-a", "staff-b"):
        stack.serve("staff", host, stack.ports[host], wait=False)
    for host in ("public-a", "public-b", "staff-a", "staff-b"):
        try:
            wait_for_port("127.0.0.1", stack.ports[host])
        except AssertionError:
            raise AssertionError(f"{host} did not start: {stack.tracebacks()}") from None
    start_nginx(stack)


def staff_runtime(stack: Stack) -> Runtime:
    """The staff side as the scheduled jobs run it (deploy/env/jobs.env: the staff role)."""
    return open_runtime(config_from_env(stack.env("jobs", stack.data_dirs["jobs"])), staff_side=True)


def _people(stack: Stack) -> People:
    from models.confidentiality.offices import set_intake_office
    from models.protection.custodians import run_ceremony
    from models.staff.accounts import accept_pledge, add_staff

    rt = staff_runtime(stack)
    try:
        def make(username: str, role: str, unit: str | None = UNIT) -> StaffUser:
            acct = add_staff(rt, username, role, unit, PASSWORD)
            accept_pledge(rt, acct.staff_id)
            return StaffUser(acct.staff_id, username, role, PASSWORD, acct.totp_secret)

        head = make("head", "unit_head")
        set_intake_office(rt, UNIT)
        people = People(clerk=make("clerk", "intake"), head=head, deputy=make("deputy", "unit_head"),
                        officer=make("officer", "protection_officer"),
                        keepers={name: make(name, "custodian", None) for name in CUSTODIANS},
                        auditor=make("auditor", "auditor", None))
        run_ceremony(rt, 2, list(CUSTODIANS.items()))
        return people
    finally:
        rt.stores.dispose()


@pytest.fixture(scope="package")
def people(stack: Stack) -> People:
    return _people(stack)


@pytest.fixture(scope="package")
def tokens(stack: Stack, people: People) -> dict[str, dict[str, str]]:
    """Bearer headers, one sign-in per user for the whole suite (a TOTP code is good once).
    The deputy signs in through the pages instead."""
    out = {}
    with stack.client("staff") as api:
        for user in (people.clerk, people.head, people.officer, *people.keepers.values()):
            made = api.post("/api/v1/session", json={"username": user.username, "password": user.password,
                                                      "totp": user.totp()})
            assert made.status_code == 201, made.text
            out[user.username] = {"Authorization": f"Bearer {made.json()['token']}"}
    return out


@pytest.fixture(autouse=True)
def no_server_errors(request: pytest.FixtureRequest) -> Iterator[None]:
    """Any 5xx, or a traceback in any server's log, fails the test that caused it."""
    if "stack" not in request.fixturenames:
        yield
        return
    stack: Stack = request.getfixturevalue("stack")
    before = len(stack.errors)
    yield
    assert stack.errors[before:] == []
    assert stack.tracebacks() == []
