"""Connecting clues (issue 24): search across every clue within need-to-know, the insider flag, the
links of a clue, destruction, and what a copy of the database without the key confirms."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

import vault
from models.audit.tables import AuditEvent
from models.confidentiality import destruction
from models.linking import index, search
from models.linking.normalise import HASH_KIND
from models.linking.tables import ClueIndexed, ClueToken
from models.reporting.intake import Person
from models.staff.accounts import ROLES
from models.store.errors import NotAllowed
from tests.confidentiality.conftest import archived
from tests.linking.conftest import Office

OFFICIAL = "钱多多"


def _events(office: Office, event: str) -> list[AuditEvent]:
    with office.rt.stores.case() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.event == event).order_by(AuditEvent.id)))


def _naming(office: Office, name: str = OFFICIAL, **changes: object) -> str:
    return office.registered(shielding=[Person(name=name, unit="某镇派出所", position="所长")], **changes)


@pytest.mark.slow
def test_the_reported_case_a_search_finds_both_clues_across_600_others(office: Office) -> None:
    first = _naming(office)
    for i in range(600):
        office.submit(description=f"第{i}条线索：有人占用集体土地。", shielding=[])
    second = _naming(office, name="錢 多多")  # traditional, with a space: the same official
    found = search.search(office.rt, office.clerk.id, OFFICIAL)
    assert {h.report_id for h in found.hits} == {first, second}
    assert all(h.kinds == ("official",) for h in found.hits)
    assert found.elsewhere is None  # a clerk learns no hidden count at all
    with office.rt.stores.case() as session:
        assert session.scalar(select(func.count()).select_from(ClueIndexed)) == 602


def test_another_units_clerk_finds_nothing_sees_no_count_and_is_flagged(office: Office) -> None:
    first, second = _naming(office), _naming(office, description="又一次，电话13800138000。")
    found = search.search(office.rt, office.other.id, OFFICIAL)
    assert found.hits == [] and found.elsewhere is None
    # One event for the search, the flag: who, which clues, no hit shown.
    assert _events(office, "link.searched") == []
    flagged = _events(office, "link.search_flagged")
    assert len(flagged) == 1 and flagged[0].actor == "other" and flagged[0].detail["hits"] == 0
    assert set(flagged[0].detail["clues"].split()) == {first, second}
    # Never the words searched for, in any event of the trail.
    with office.rt.stores.case() as session:
        trail = json.dumps([[e.event, e.detail] for e in session.scalars(select(AuditEvent))], ensure_ascii=False)
    assert OFFICIAL not in trail and "钱" not in trail


def test_the_office_director_sees_how_many_hits_lie_in_other_units(office: Office) -> None:
    from models.cases import workflow

    mine = _naming(office)
    theirs = office.submit(shielding=[Person(name=OFFICIAL)])
    workflow.register_clue(office.rt, office.clerk.id, theirs, office.unit_b, office.other.id)
    found = search.search(office.rt, office.head.id, OFFICIAL)  # head of 第一科, the intake office
    assert [h.report_id for h in found.hits] == [mine]
    assert found.elsewhere == 1
    # A search with some readable hits is not flagged.
    assert _events(office, "link.search_flagged") == []
    other = search.search(office.rt, office.other_head.id, OFFICIAL)  # head of another unit
    assert [h.report_id for h in other.hits] == [theirs] and other.elsewhere is None


def test_a_search_nobody_is_named_in_is_not_flagged(office: Office) -> None:
    _naming(office)
    assert search.search(office.rt, office.other.id, "无此人").hits == []
    assert _events(office, "link.search_flagged") == []
    assert len(_events(office, "link.searched")) == 1


@pytest.mark.parametrize("role", sorted(set(ROLES) - {"intake", "unit_head", "protection_officer"}))
def test_roles_without_content_may_not_search(office: Office, make_staff, role: str) -> None:  # type: ignore[no-untyped-def]
    user = make_staff(f"x{role}", role, unit=None)
    with pytest.raises(NotAllowed):
        search.search(office.rt, user.id, OFFICIAL)
    assert _events(office, "link.refused")[-1].actor == user.username


def test_linked_clues_say_what_they_share_and_hide_what_the_reader_may_not_read(office: Office) -> None:
    from models.cases import workflow

    first = _naming(office, description="他的车牌是粤B12345。", reported=[])
    same_plate = office.registered(description="一辆粤Ｂ 12345的车天天来收钱。", shielding=[], reported=[])
    elsewhere = office.submit(shielding=[Person(name=OFFICIAL)])
    workflow.register_clue(office.rt, office.clerk.id, elsewhere, office.unit_b, office.other.id)
    office.registered(description="无关的线索。", shielding=[], reported=[])
    links = search.linked_clues(office.rt, office.clerk.id, first)
    assert {h.report_id: h.kinds for h in links.hits} == {same_plate: ("plate",)}
    assert links.elsewhere is None
    director = search.linked_clues(office.rt, office.head.id, first)
    assert director.elsewhere == 1


def test_destruction_removes_the_index_rows(office: Office) -> None:
    phone = "13800138000"
    report_id = archived(office, description=f"电话{phone}")
    keep = office.registered(description=f"他用{phone}打电话")
    assert {h.report_id for h in search.search(office.rt, office.clerk.id, phone).hits} == {report_id, keep}
    request = destruction.request_destruction(office.rt, office.clerk.id, report_id, "retention_expired")
    destruction.approve_destruction(office.rt, office.head.id, request)
    destruction.execute_destruction(office.rt, office.clerk.id, request, witness="auditor")
    with office.rt.stores.case() as session:
        assert session.scalar(select(func.count()).select_from(ClueToken).where(ClueToken.report_id == report_id)) == 0
        assert session.get(ClueIndexed, report_id) is None
    assert [h.report_id for h in search.search(office.rt, office.clerk.id, phone).hits] == [keep]


def test_a_copy_of_the_database_without_the_key_confirms_no_name(office: Office) -> None:
    _naming(office, description="电话13800138000")
    index.rebuild(office.rt)
    with office.rt.stores.case() as session:
        stored = set(session.scalars(select(ClueToken.token)))
        raw = b"".join(stored)
    assert stored and OFFICIAL.encode() not in raw and b"13800138000" not in raw
    # The thief guesses the name and hashes it every way he can without the index key.
    guesses = [b"", b"\x00" * 32, office.rt.intake_public]
    for key in guesses:
        for kind in set(HASH_KIND.values()):
            for value in (OFFICIAL, "13800138000"):
                assert vault.blind_token(key, kind, value) not in stored
    # With the key (the staff side), the same guess matches: the index is keyed, not random.
    key = index.index_key(office.rt)
    assert vault.blind_token(key, "name", OFFICIAL) in stored


def test_the_public_side_cannot_derive_the_index_key(office: Office, public_rt) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(RuntimeError):
        index.index_key(public_rt)


def test_rebuild_is_resumable_and_fresh_starts_over(office: Office) -> None:
    ids = [office.submit(shielding=[Person(name=f"官员{i}")]) for i in range(5)]
    seen: list[tuple[int, int]] = []
    assert index.rebuild(office.rt, progress=lambda done, total: seen.append((done, total))) == 5
    assert seen[-1] == (5, 5)
    assert index.rebuild(office.rt) == 0  # nothing left: a second run resumes at the end
    with office.rt.stores.case() as session:
        session.execute(ClueIndexed.__table__.delete().where(ClueIndexed.report_id == ids[0]))
    assert index.rebuild(office.rt) == 1
    assert index.rebuild(office.rt, fresh=True) == 5
    with office.rt.stores.case() as session:
        assert session.scalar(select(func.count()).select_from(ClueToken)) == \
            len({(r, k) for r, k in session.execute(select(ClueToken.report_id, ClueToken.token))})


def test_the_catch_up_looks_at_the_newest_clues_only(office: Office, monkeypatch: pytest.MonkeyPatch) -> None:
    old = _naming(office)
    new = _naming(office)
    monkeypatch.setattr(index, "RECENT", 1)
    assert [h.report_id for h in search.search(office.rt, office.clerk.id, OFFICIAL).hits] == [new]
    assert index.rebuild(office.rt) == 1  # the older one waits for the rebuild
    assert {h.report_id for h in search.search(office.rt, office.clerk.id, OFFICIAL).hits} == {old, new}


def test_a_loan_makes_the_lent_clue_a_hit_and_its_return_hides_it_again(office: Office) -> None:
    from models.confidentiality import borrowing

    lent = _naming(office)
    assert search.search(office.rt, office.other.id, OFFICIAL).hits == []
    loan = borrowing.request_borrowing(office.rt, office.other.id, lent, "串并研判需要", 3)
    borrowing.decide_borrowing(office.rt, office.head.id, loan, True)
    assert [h.report_id for h in search.search(office.rt, office.other.id, OFFICIAL).hits] == [lent]
    borrowing.return_borrowing(office.rt, office.other.id, loan)
    assert search.search(office.rt, office.other.id, OFFICIAL).hits == []


def test_a_nickname_links_its_forms_and_says_so(office: Office) -> None:
    first = office.registered(reported=[Person(name="老三")], shielding=[], location="")
    second = office.registered(reported=[Person(name="三哥")], shielding=[], location="")
    office.registered(reported=[Person(name="小王")], shielding=[], location="")
    lao_wang = office.registered(reported=[Person(name="老王")], shielding=[], location="")
    assert {h.report_id for h in search.search(office.rt, office.clerk.id, "三儿").hits} == {first, second}
    assert [(h.report_id, h.kinds) for h in search.linked_clues(office.rt, office.clerk.id, first).hits] == \
        [(second, ("alias",))]
    assert search.linked_clues(office.rt, office.clerk.id, lao_wang).hits == []
    # A shared nickname is a link, not a possible duplicate: too weak to suggest a merge.
    assert search.possible_duplicates(office.rt, office.clerk.id, first) == []


@pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)])
def test_two_searches_catching_up_one_new_clue_at_once_both_answer(office: Office,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """On PostgreSQL two workers' searches can both find a new clue unindexed (SQLite's BEGIN
    IMMEDIATE serialises them): the one that loses the race answers from the other's rows."""
    clue = _naming(office)
    real = index.index_clues

    def raced(rt, session, ids, new=False):  # type: ignore[no-untyped-def]
        with rt.stores.case() as other:  # the other worker's search commits first
            real(rt, other, ids, new)
        real(rt, session, ids, new)

    monkeypatch.setattr(index, "index_clues", raced)
    assert [h.report_id for h in search.search(office.rt, office.clerk.id, OFFICIAL).hits] == [clue]
    with office.rt.stores.case() as session:
        assert session.scalar(select(func.count()).select_from(ClueIndexed)) == 1
