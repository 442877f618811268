"""Altered, replayed, reordered or foreign packets are refused, and nothing of them is applied."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

import vault
from models.reporting import intake
from models.reporting.tables import Report
from models.store.keys import KeyFileError
from models.store.runtime import open_runtime
from models.sync.exchange import answer_request, sync_round
from models.sync.keys import SyncKeyError, pair_with
from models.sync.packets import Packet, SyncRefused, seal_packet
from tests.conftest import submission


def _reports(rt) -> int:
    with rt.stores.case() as session:
        return session.scalar(select(func.count()).select_from(Report)) or 0


def _capture(nodes):
    """A sender that records what crossed the wire."""
    seen: list[tuple[bytes, bytes]] = []

    def send(data: bytes) -> bytes:
        answer = nodes.send(data)
        seen.append((data, answer))
        return answer

    return seen, send


def test_an_altered_request_is_refused(nodes) -> None:
    def tamper(data: bytes) -> bytes:
        changed = bytearray(data)
        changed[-1] ^= 1
        return nodes.send(bytes(changed))

    with pytest.raises(SyncRefused, match="bad signature"):
        sync_round(nodes.internal_sync, tamper)


def test_an_altered_response_is_refused_and_nothing_is_stored(nodes) -> None:
    nodes.sync()
    intake.submit_report(nodes.public(), submission())

    def tamper(data: bytes) -> bytes:
        answer = bytearray(nodes.send(data))
        answer[len(answer) // 2] ^= 0x20
        return bytes(answer)

    with pytest.raises(SyncRefused, match="bad signature"):
        sync_round(nodes.internal_sync, tamper)
    assert _reports(nodes.internal_sync) == 0
    nodes.sync()  # the honest channel delivers it afterwards, once
    assert _reports(nodes.internal_sync) == 1


def test_a_replayed_request_is_refused(nodes) -> None:
    seen, send = _capture(nodes)
    sync_round(nodes.internal_sync, send)
    with pytest.raises(SyncRefused, match="replayed"):
        answer_request(nodes.intake_sync, seen[0][0])


def test_a_replayed_response_is_refused(nodes) -> None:
    nodes.sync()
    intake.submit_report(nodes.public(), submission())
    seen, send = _capture(nodes)
    sync_round(nodes.internal_sync, send)
    old_answer = seen[-1][1]
    with pytest.raises(SyncRefused, match="another request"):
        sync_round(nodes.internal_sync, lambda _data: old_answer)
    nodes.sync()
    assert _reports(nodes.internal_sync) == 1


def test_a_packet_signed_by_another_key_is_refused(nodes) -> None:
    stranger, _public = vault.new_signing_key()
    forged = seal_packet(stranger, Packet("request", "internal", 10**20, 0, "", None))
    with pytest.raises(SyncRefused, match="bad signature"):
        answer_request(nodes.intake_sync, forged)
    # Nor may the intake node's own key speak for the internal node.
    from models.sync.keys import load_own_private

    own = seal_packet(load_own_private(nodes.intake), Packet("request", "internal", 10**20, 0, "", None))
    with pytest.raises(SyncRefused, match="bad signature"):
        answer_request(nodes.intake_sync, own)


def test_the_endpoint_answers_a_refusal_with_409_and_nothing_else(nodes) -> None:
    response = nodes.endpoint.post("/sync", data=b"junk")
    assert response.status_code == 409
    assert nodes.endpoint.get("/").status_code == 404
    assert nodes.endpoint.get("/sync").status_code == 404


def test_an_intake_node_has_no_staff_side(nodes) -> None:
    with pytest.raises(KeyFileError, match="no staff side"):
        open_runtime(nodes.intake, staff_side=True)
    assert not (nodes.intake.keys_dir / "intake.key").exists()


def test_pairing_does_not_silently_change(nodes) -> None:
    _private, other = vault.new_signing_key()
    with pytest.raises(SyncKeyError, match="another peer"):
        pair_with(nodes.intake, other)
