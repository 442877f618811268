"""The linking pages (issue 24): the inbox search across every clue, the case page's linked clues,
and the auditor's list of flagged searches; never another unit's hit, never a count for a clerk."""

from __future__ import annotations

from urllib.parse import quote

from models.cases import workflow
from models.reporting.intake import Person
from tests.linking.conftest import Office

OFFICIAL = "钱多多"


def _two_clues(office: Office) -> tuple[str, str, str]:
    mine = office.registered(shielding=[Person(name=OFFICIAL)], reported=[], location="")
    also = office.registered(shielding=[Person(name="錢多多")], reported=[], location="")
    theirs = office.submit(shielding=[Person(name=OFFICIAL)], reported=[], location="")
    workflow.register_clue(office.rt, office.clerk.id, theirs, office.unit_b, office.other.id)
    return mine, also, theirs


def test_inbox_search_lists_every_readable_clue_naming_the_official(office: Office, sign_in) -> None:  # type: ignore[no-untyped-def]
    mine, also, theirs = _two_clues(office)
    html = sign_in(office.clerk).get(f"/cases?q={quote(OFFICIAL)}").get_data(as_text=True)
    section = html.split('id="linked"')[1].split("</section>")[0]
    assert office.registry_no(mine) in section and office.registry_no(also) in section
    assert office.registry_no(theirs) not in section and "linked-elsewhere" not in section
    assert "同一公职人员" in section


def test_the_office_director_sees_the_count_in_other_units(office: Office, sign_in) -> None:  # type: ignore[no-untyped-def]
    mine, _also, theirs = _two_clues(office)
    html = sign_in(office.head).get(f"/cases/{mine}").get_data(as_text=True)
    section = html.split('id="linked"')[1].split("</section>")[0]
    assert "其他单位另有 1 条关联线索" in section and office.registry_no(theirs) not in section


def test_another_units_clerk_sees_nothing_and_the_auditor_sees_the_flag(office: Office, sign_in) -> None:  # type: ignore[no-untyped-def]
    mine, also, _theirs = _two_clues(office)
    outsider = sign_in(office.other)
    # The other unit's clerk reads its own clue (so its search is not flagged); a clerk of a third
    # unit would be: here the outsider searches a name only 第一科's clues carry.
    named = office.registered(shielding=[Person(name="孙保护")], reported=[], location="")
    html = outsider.get(f"/cases?q={quote('孙保护')}").get_data(as_text=True)
    section = html.split('id="linked"')[1].split("</section>")[0]
    assert "linked-elsewhere" not in section and "registry" not in section
    page = sign_in(office.auditor).get("/audit?event=link.search_flagged").get_data(as_text=True)
    assert "link.search_flagged" in page and "孙保护" not in page
    # In words, naming the clue it was after by its registry number, a link to that clue's trail.
    assert "线索串并 · 检索被标记（命中均无权阅读）" in page and "命中的 1 条线索均为检索人无权阅读的线索" in page
    assert f'href="/audit?report={office.registry_no(named)}"' in page and named not in page
    for other in (mine, also):  # only the clue naming 孙保护 was flagged
        assert other not in page and office.registry_no(other) not in page
