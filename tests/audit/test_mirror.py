"""The external copy of the audit trail (R23, #22): syslog (RFC 5424) and JSON lines for a SIEM.

A real receiver on loopback (a UDP socket and a TCP listener this test opens), frames parsed by
the RFC's grammar here, not by the sender's code. Events and checkpoints arrive once committed,
never when rolled back, with ids and event names only; a dead receiver neither loses nor blocks an
act; ``audit verify --mirror`` finds events missing, extra or changed.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, update

from models.audit import mirror, trail
from models.audit.tables import AuditEvent, AuditHead
from models.reporting import intake
from models.staff import auditing
from models.store.runtime import Runtime, open_runtime
from tests.audit.test_trail import PASSPHRASE, _rechain, _rows
from tests.conftest import as_forger, submission
from web.cli.main import main

# RFC 5424, section 6: HEADER SP STRUCTURED-DATA [SP MSG]
FRAME = re.compile(r"^<(?P<pri>\d{1,3})>(?P<version>1) (?P<ts>\S+) (?P<host>\S+) (?P<app>\S+) (?P<proc>\S+) "
                   r"(?P<msgid>\S+) (?P<sd>-|(?:\[[^\]\\]*(?:\\.[^\]\\]*)*\])+)(?: (?P<msg>.*))?$", re.S)
SD_ELEMENT = re.compile(r'\[(?P<id>[^ \]]+)(?P<params>(?: \w+="(?:[^"\\]|\\.)*")*)\]')
SD_PARAM = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')
CONTENT = ("强占", "张某", "王某", "13900000000")


def parse_frame(frame: str) -> dict[str, str]:
    head = FRAME.match(frame)
    assert head, frame
    assert head["pri"] == "109" and head["ts"].endswith("Z")
    [element] = SD_ELEMENT.finditer(head["sd"])
    assert element["id"] == "clueguard@32473"
    fields = {k: re.sub(r"\\(.)", r"\1", v) for k, v in SD_PARAM.findall(element["params"])}
    return {**fields, "msgid": head["msgid"], "msg": head["msg"] or ""}


class UdpReceiver:
    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(2)
        self.url = f"udp://127.0.0.1:{self.sock.getsockname()[1]}"

    def frames(self, expected: int) -> list[str]:
        return [self.sock.recv(65535).decode() for _ in range(expected)]

    def nothing_more(self) -> bool:
        self.sock.settimeout(0.2)
        try:
            self.sock.recv(65535)
        except TimeoutError:
            return True
        return False


class TcpReceiver:
    """Accepts connections and splits octet-counted frames (RFC 6587, 3.4.1)."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.url = f"tcp://127.0.0.1:{self.server.getsockname()[1]}"
        self.buffer = b""
        self.lock = threading.Lock()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            with conn:
                while chunk := conn.recv(65536):
                    with self.lock:
                        self.buffer += chunk

    def frames(self, expected: int) -> list[str]:
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            with self.lock:
                out, rest = [], self.buffer
            while rest:
                length, _, tail = rest.partition(b" ")
                if len(tail) < int(length):
                    break
                out.append(tail[: int(length)].decode())
                rest = tail[int(length):]
            if len(out) >= expected:
                return out
            time.sleep(0.02)
        raise AssertionError(f"only {len(out)} of {expected} frames arrived")


@pytest.fixture(autouse=True)
def _fresh_sinks() -> Iterator[None]:
    yield
    mirror.close_all()


@pytest.fixture
def udp() -> Iterator[UdpReceiver]:
    receiver = UdpReceiver()
    yield receiver
    receiver.sock.close()


@pytest.fixture
def tcp() -> Iterator[TcpReceiver]:
    receiver = TcpReceiver()
    yield receiver
    receiver.server.close()


def _mirrored(config, stores, syslog: str | None, jsonl: Path | None, staff: bool = False) -> Runtime:
    return open_runtime(config.with_changes(audit_syslog=syslog, audit_jsonl=str(jsonl) if jsonl else None),
                        staff_side=staff, stores=stores)


def _store_events(rt: Runtime) -> list[tuple[str, str, str]]:
    with rt.stores.case() as session:
        return [(str(e.id), e.event, e.hash) for e in session.query(AuditEvent).order_by(AuditEvent.id)]


@pytest.mark.parametrize("transport", ["udp", "tcp"])
def test_events_reach_a_syslog_receiver_as_they_commit(config, stores, custodians, request, transport,
                                                      tmp_path) -> None:
    receiver = request.getfixturevalue(transport)
    rt = _mirrored(config, stores, receiver.url, tmp_path / "copy.jsonl")
    intake.submit_report(rt, submission(identity={"name": "王某", "phone": "13900000000"}))
    receipt = intake.submit_report(rt, submission())
    intake.reporter_status(rt, receipt.code)
    frames = [parse_frame(f) for f in receiver.frames(3)]
    # The custodians' ceremony came before the mirror was set: the copy starts here.
    assert [(f["id"], f["event"], f["hash"]) for f in frames] == _store_events(rt)[-3:]
    assert [f["msgid"] for f in frames] == ["event"] * 3 and frames[0]["msg"] == "report.submitted"
    assert frames[0]["writer"] and frames[0]["actor"] == "reporter:web"
    copy = (tmp_path / "copy.jsonl").read_text()
    assert [json.loads(line)["hash"] for line in copy.splitlines()] == [e[2] for e in _store_events(rt)[-3:]]
    raw = " ".join(receiver.frames(3)) if transport == "tcp" else json.dumps(frames, ensure_ascii=False)
    for word in CONTENT:  # R8: ids and event names only
        assert word not in raw and word not in copy


def _failing_act(rt: Runtime) -> None:
    with rt.stores.case() as session:
        trail.record(session, "tester", "test.rolled_back", None)
        raise RuntimeError("the act failed")


def test_a_rolled_back_act_is_not_mirrored(config, stores, udp) -> None:
    rt = _mirrored(config, stores, udp.url, None)
    with pytest.raises(RuntimeError):
        _failing_act(rt)
    assert udp.nothing_more()
    with rt.stores.case() as session:
        trail.record(session, "tester", "test.kept", None)
    assert parse_frame(udp.frames(1)[0])["event"] == "test.kept"


def test_checkpoints_are_mirrored(config, stores, staff_rt, auditor, udp) -> None:
    rt = _mirrored(config, stores, udp.url, None, staff=True)
    cp = auditing.checkpoint_trail(rt, "auditor", PASSPHRASE)
    frames = [parse_frame(f) for f in udp.frames(2)]
    assert frames[0] == {**frames[0], "kind": "checkpoint", "id": str(cp.id), "last_id": str(cp.last_id),
                         "last_hash": cp.last_hash, "fingerprint": cp.fingerprint}
    assert frames[1]["event"] == "audit.checkpoint"


def test_a_dead_receiver_neither_loses_nor_blocks_the_act(config, stores, tmp_path, caplog) -> None:
    closed = socket.create_server(("127.0.0.1", 0))
    url = f"tcp://127.0.0.1:{closed.getsockname()[1]}"
    closed.close()  # nobody listens: connection refused
    rt = _mirrored(config, stores, url, tmp_path / "no-such-dir" / "copy.jsonl")
    started = time.monotonic()
    for _ in range(3):
        intake.submit_report(rt, submission())
    assert time.monotonic() - started < 5
    assert len(_store_events(rt)) == 3  # the store keeps every event
    assert "not mirrored: event 1" in caplog.text and "Syslog" in caplog.text and "JsonLines" in caplog.text


@pytest.fixture
def copied(config, stores, tmp_path) -> tuple[Runtime, Path]:
    path = tmp_path / "copy.jsonl"
    rt = _mirrored(config, stores, None, path)
    for _ in range(3):
        intake.submit_report(rt, submission())
    with rt.stores.case() as session:
        trail.record(session, "tester", "test.event", None)
    return rt, path


def _verify_mirror(rt: Runtime, path: Path) -> object:
    return CliRunner().invoke(main, ["audit", "verify", "--mirror", str(path)], obj=rt.config)


def test_verify_against_the_copy_passes_when_they_agree(copied) -> None:
    rt, path = copied
    result = _verify_mirror(rt, path)
    assert result.exit_code == 0, result.output


def _cut_tail(rt: Runtime) -> None:
    with rt.stores.case() as session:
        third = session.get(AuditEvent, 3)
        assert third is not None
        digest = third.hash
    as_forger(rt.stores, delete(AuditEvent).where(AuditEvent.id > 3), update(AuditHead).values(last_id=3,
                                                                                             last_hash=digest))


def _rechain_edited(rt: Runtime) -> None:
    rows = _rows(rt)
    rows[1] = {**rows[1], "actor": "forger"}
    _rechain(rt, rows)


def _added_behind(rt: Runtime) -> None:
    rows = _rows(rt)
    _rechain(rt, [*rows, {**rows[-1], "event": "test.slipped_in"}])


@pytest.mark.parametrize(("tamper", "expected"), [
    (_cut_tail, "event 4: in the SIEM copy but not in the store (erased)"),
    (_rechain_edited, "event 2: differs from the SIEM copy (rewritten)"),
    (_added_behind, "event 5: in the store but not in the SIEM copy"),
], ids=["tail-erased", "rechained", "extra"])
def test_verify_against_the_copy_finds_missing_changed_and_extra_events(copied, tamper, expected) -> None:
    rt, path = copied
    tamper(rt)
    with rt.stores.case() as session:
        assert trail.verify(session) == []  # the chain alone is fooled
    result = _verify_mirror(rt, path)
    assert result.exit_code == 1
    assert expected in result.output


def test_verify_reads_syslog_frames_as_a_siem_keeps_them(config, stores, udp, tmp_path) -> None:
    rt = _mirrored(config, stores, udp.url, None)
    intake.submit_report(rt, submission())
    with rt.stores.case() as session:
        trail.record(session, "tester", "test.event", None)
    kept = tmp_path / "siem.log"
    kept.write_text("".join(f"{f}\n" for f in udp.frames(2)))
    assert _verify_mirror(rt, kept).exit_code == 0
    _rechain_edited(rt)
    assert "event 2: differs from the SIEM copy" in _verify_mirror(rt, kept).output
