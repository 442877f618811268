"""An intake node in an attacker's hands signs what it likes; the internal node still checks it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from models.reporting import intake
from models.reporting.tables import Message, Report
from models.sync.exchange import sync_round
from models.sync.keys import load_own_private, load_peer_public
from models.sync.packets import Packet, SyncRefused, encode_batch, open_packet, seal_packet
from tests.conftest import submission

REPORT = {"id": "00000000-0000-0000-0000-00000000a001", "registry_no": "2026-W000001", "reg_year": 2026,
          "reg_seq": 1, "category": "other", "channel": "web", "source": "public", "confidential": False,
          "data_key_id": "00000000-0000-0000-0000-00000000b001", "content": "AAAA",
          "reporter_public_key": None, "created_at": "2026-12-01T00:00:00+00:00"}


def _forge(nodes, items, seq: int = 1, prev: str = ""):  # type: ignore[no-untyped-def]
    """A sender that answers with a batch the owned intake node made up, signed with its key."""
    def send(data: bytes) -> bytes:
        request = open_packet(load_peer_public(nodes.intake), "internal", "request", data)
        batch = encode_batch("up", seq, prev, items)
        return seal_packet(load_own_private(nodes.intake), Packet("response", "intake", request.number, 0, "", batch))

    return send


def _submission(**report: object) -> dict[str, object]:
    return {"kind": "submission", "report": {**REPORT, **report}, "data_keys": [], "attachments": [],
            "identity": None}


@pytest.mark.parametrize(("items", "reason"), [
    ([_submission(registry_no="2026-000001")], "outside the intake node's series"),
    ([_submission(reg_seq=2)], "outside the intake node's series"),
    ([{"kind": "follow_up", "message": {"id": "m1", "report_id": "staff-only", "data_key_id": "k",
                                        "staff_box": "AAAA", "reporter_box": None,
                                        "created_at": "2026-12-01T00:00:00+00:00"},
       "data_keys": [], "attachments": []}], "never sent"),
    ([{"kind": "submission", "report": {"id": "x"}}], "malformed"),
    ([{"kind": "wipe"}], "unknown kind"),
], ids=["staff-series", "number-mismatch", "foreign-follow-up", "malformed", "unknown-kind"])
def test_a_forged_batch_is_refused(nodes, items, reason) -> None:
    with pytest.raises(SyncRefused, match=reason):
        sync_round(nodes.internal_sync, _forge(nodes, items))
    with nodes.internal_sync.stores.case() as session:
        assert session.scalar(select(func.count()).select_from(Report)) == 0
        assert session.scalar(select(func.count()).select_from(Message)) == 0


def test_a_follow_up_cannot_join_a_clue_staff_registered_themselves(nodes) -> None:
    on_internal = intake.submit_report(nodes.staff(), submission(channel="phone", source="phone"))
    forged = {"kind": "follow_up", "message": {"id": "m1", "report_id": on_internal.report_id, "data_key_id": "k",
                                                "staff_box": "AAAA", "reporter_box": None,
                                                "created_at": "2026-12-01T00:00:00+00:00"},
              "data_keys": [], "attachments": []}
    with pytest.raises(SyncRefused, match="never sent"):
        sync_round(nodes.internal_sync, _forge(nodes, [forged]))


def test_a_batch_clashing_with_stored_ids_is_refused_whole(nodes) -> None:
    twins = [_submission(), _submission(id="00000000-0000-0000-0000-00000000a002")]  # one registry number
    with pytest.raises(SyncRefused, match="clashes"):
        sync_round(nodes.internal_sync, _forge(nodes, twins))
    with nodes.internal_sync.stores.case() as session:
        assert session.scalar(select(func.count()).select_from(Report)) == 0


def test_a_batch_out_of_order_or_off_the_chain_is_refused_over_the_network_too(nodes) -> None:
    with pytest.raises(SyncRefused, match="batch 1 missing"):
        sync_round(nodes.internal_sync, _forge(nodes, [_submission()], seq=2))
    with pytest.raises(SyncRefused, match="does not follow"):
        sync_round(nodes.internal_sync, _forge(nodes, [_submission()], prev="ab" * 32))


def test_a_clashing_submission_writes_nothing_to_the_vault_either(nodes) -> None:
    from models.identities.tables import SealedIdentityRow

    on_internal = intake.submit_report(nodes.staff(), submission(channel="phone", source="phone"))
    identity = {"id": "00000000-0000-0000-0000-00000000c001", "ciphertext": "AAAA", "threshold": 2,
                "created_at": "2026-12-01T00:00:00+00:00", "shares": {}}
    forged = {**_submission(id=on_internal.report_id), "identity": identity}
    with pytest.raises(SyncRefused, match="id of a stored one"):
        sync_round(nodes.internal_sync, _forge(nodes, [forged]))
    with nodes.internal_sync.stores.vault() as vs:
        assert vs.scalar(select(func.count()).select_from(SealedIdentityRow)) == 0
