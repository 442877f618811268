"""The two nodes as separate processes with separate data directories; SIGKILL at each step.

The intake node's ``clueguard sync serve`` and the internal node's ``clueguard sync run`` are
real processes; a relay on the wire kills one of them at a chosen request of a sync. Whatever
the step, a later sync delivers every submission, follow-up and reply exactly once.
"""

from __future__ import annotations

import http.client
import os
import signal
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select

import vault
from models.cases import casework
from models.cases.workflow import register_clue
from models.confidentiality.offices import set_intake_office
from models.protection.custodians import run_ceremony
from models.reporting import intake
from models.reporting.files import Upload
from models.reporting.tables import Message, Report
from models.staff.accounts import add_staff, get_or_create_unit
from models.store.config import Config
from models.store.runtime import Runtime, open_runtime
from tests.conftest import PASSWORD, jpeg_with_gps, submission
from tests.sync.conftest import KEEPERS, set_up_pair
from tests.sync.procs import Endpoint, Relay, forward, start_sync_run, sync_run


@dataclass
class Pair:
    intake: Config
    internal: Config
    clerk_id: int
    opened: list[Runtime]

    def public(self) -> Runtime:
        rt = open_runtime(self.intake, staff_side=False)
        self.opened.append(rt)
        return rt

    def staff(self) -> Runtime:
        rt = open_runtime(self.internal, staff_side=True)
        self.opened.append(rt)
        return rt

    def internal_counts(self) -> tuple[int, int]:
        with self.staff().stores.case() as session:
            return (session.scalar(select(func.count()).select_from(Report)) or 0,
                    session.scalar(select(func.count()).select_from(Message)) or 0)

    def intake_unpurged(self) -> int:
        with self.public().stores.case() as session:
            return session.scalar(select(func.count()).select_from(Report).where(Report.content != b"")) or 0


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[Pair]:
    intake_cfg = Config(data_dir=tmp_path / "intake", argon2=vault.CHEAP, role="intake")
    internal_cfg = Config(data_dir=tmp_path / "internal", argon2=vault.CHEAP, role="internal")
    set_up_pair(intake_cfg, internal_cfg)
    staff_rt = open_runtime(internal_cfg, staff_side=True)
    for name in KEEPERS:
        add_staff(staff_rt, name, "custodian", None, PASSWORD)
    run_ceremony(staff_rt, 2, list(KEEPERS.items()))
    clerk = add_staff(staff_rt, "clerk", "intake", "第一科", PASSWORD)
    set_intake_office(staff_rt, "第一科")  # new clues belong to the intake office (R20)
    staff_rt.stores.dispose()
    p = Pair(intake_cfg, internal_cfg, clerk.staff_id, [])
    yield p
    for rt in p.opened:
        rt.stores.dispose()


@pytest.fixture
def endpoint(pair: Pair) -> Iterator[Endpoint]:
    ep = Endpoint(pair.intake.data_dir).start()
    yield ep
    ep.stop()


def _ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_submissions_and_replies_cross_between_two_processes(pair: Pair, endpoint: Endpoint) -> None:
    _ok(sync_run(pair.internal.data_dir, endpoint.url))  # brings the keys intake seals to
    public = pair.public()
    first = intake.submit_report(public, submission(identity={"name": "王五"},
                                                    files=[Upload("p.jpg", jpeg_with_gps())]))
    second = intake.submit_report(public, submission())
    intake.add_follow_up(public, first.code, "补充")
    assert "3 item(s) received" in _ok(sync_run(pair.internal.data_dir, endpoint.url))
    staff = pair.staff()
    assert casework.open_case(staff, pair.clerk_id, first.report_id).messages[0].text == "补充"
    casework.reply_to_reporter(staff, pair.clerk_id, second.report_id, "已收到")
    register_clue(staff, pair.clerk_id, second.report_id, get_or_create_unit(staff, "第一科"), pair.clerk_id)
    _ok(sync_run(pair.internal.data_dir, endpoint.url))
    status = intake.reporter_status(public, second.code)
    assert status.status == "handling" and [m.text for m in status.messages] == ["已收到"]
    assert pair.intake_unpurged() == 0


def _prepare(pair: Pair, url: str) -> tuple[str, list[str]]:
    """One clue synced and answered (a reply waits to go down), two new ones waiting to go up."""
    _ok(sync_run(pair.internal.data_dir, url))
    public = pair.public()
    answered = intake.submit_report(public, submission())
    _ok(sync_run(pair.internal.data_dir, url))
    casework.reply_to_reporter(pair.staff(), pair.clerk_id, answered.report_id, "答复")
    new = [intake.submit_report(public, submission(identity={"name": "王五"})).report_id for _ in range(2)]
    return answered.code, new


def _exactly_once(pair: Pair, code: str) -> None:
    assert pair.internal_counts() == (3, 1)
    assert pair.intake_unpurged() == 0
    assert [m.text for m in intake.reporter_status(pair.public(), code).messages] == ["答复"]


def _lock(db: Path) -> sqlite3.Connection:
    """Hold a node's write lock: the node can read on, but commits nothing until released."""
    con = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    con.execute("BEGIN IMMEDIATE")
    return con


@pytest.mark.parametrize("request_no", [1, 2])
@pytest.mark.parametrize("step", ["before_intake", "after_intake", "while_storing"])
def test_sigkill_of_the_internal_node_loses_and_repeats_nothing(pair: Pair, endpoint: Endpoint,
                                                                request_no: int, step: str) -> None:
    code, _new = _prepare(pair, endpoint.url)
    seen: list[int] = []
    proc: list[subprocess.Popen[str]] = []
    locks: list[sqlite3.Connection] = []

    def kill_internal() -> None:
        os.killpg(proc[0].pid, signal.SIGKILL)

    def hook(body: bytes) -> tuple[int, bytes]:
        seen.append(1)
        if len(seen) != request_no:
            return forward(endpoint.url, body)
        if step == "before_intake":
            kill_internal()
            raise ConnectionError
        status, answer = forward(endpoint.url, body)
        if step == "after_intake":
            kill_internal()
            raise ConnectionError
        locks.append(_lock(pair.internal.data_dir / "case.db"))
        return status, answer

    def after() -> None:
        if locks and len(seen) == request_no:
            kill_internal()
            locks[0].rollback()
            locks[0].close()

    relay = Relay(hook, after)
    try:
        proc.append(start_sync_run(pair.internal.data_dir, relay.url))
        proc[0].communicate(timeout=300)
        assert proc[0].returncode == -signal.SIGKILL
    finally:
        relay.close()
    _ok(sync_run(pair.internal.data_dir, endpoint.url))
    _exactly_once(pair, code)


@pytest.mark.parametrize("request_no", [1, 2])
def test_sigkill_of_the_intake_node_loses_and_repeats_nothing(pair: Pair, endpoint: Endpoint,
                                                              request_no: int) -> None:
    code, _new = _prepare(pair, endpoint.url)
    seen: list[int] = []

    def hook(body: bytes) -> tuple[int, bytes]:
        seen.append(1)
        if len(seen) != request_no:
            return forward(endpoint.url, body)
        lock = _lock(pair.intake.data_dir / "case.db")
        try:
            conn = http.client.HTTPConnection(endpoint.host, endpoint.port, timeout=300)
            conn.request("POST", "/sync", body)  # on its way in; the intake node can commit nothing
            endpoint.kill()
            conn.close()
        finally:
            lock.rollback()
            lock.close()
        raise ConnectionError

    relay = Relay(hook)
    try:
        result = sync_run(pair.internal.data_dir, relay.url)
        assert result.returncode == 1
    finally:
        relay.close()
    restarted = Endpoint(pair.intake.data_dir).start()
    try:
        _ok(sync_run(pair.internal.data_dir, restarted.url))
    finally:
        restarted.stop()
    _exactly_once(pair, code)
