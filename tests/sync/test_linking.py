"""Linking across a split deployment (issue 24): the index lives only on the internal node. The sync
process holds public keys only, so an imported clue joins the index when the staff side (which
holds the intake private key) next looks across clues."""

from __future__ import annotations

from sqlalchemy import func, select

from models.linking import search
from models.linking.tables import ClueIndexed, ClueToken
from models.reporting import intake
from models.reporting.intake import Person
from tests.conftest import submission


def test_an_imported_clue_is_indexed_on_the_internal_node_only(nodes) -> None:  # type: ignore[no-untyped-def]
    nodes.sync()
    receipt = intake.submit_report(nodes.public(), submission(shielding=[Person(name="钱多多")]))
    with nodes.intake_sync.stores.case() as session:  # the intake node holds no index, ever
        assert session.scalar(select(func.count()).select_from(ClueToken)) == 0
    nodes.sync()
    assert nodes.internal_sync.intake_private is None
    found = search.search(nodes.staff(), nodes.clerk_id, "錢多多")
    assert [h.report_id for h in found.hits] == [receipt.report_id]
    with nodes.internal_sync.stores.case() as session:
        assert session.get(ClueIndexed, receipt.report_id) is not None
    with nodes.intake_sync.stores.case() as session:
        assert session.scalar(select(func.count()).select_from(ClueToken)) == 0
