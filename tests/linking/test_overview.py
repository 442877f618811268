"""The overview for unit heads (issue 24 item 5): people and officials named in more than one
readable clue, most first, with their clues and a server-drawn SVG of who is named with whom;
another unit's clues are never counted nor shown; audited without words."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import select

from models.audit.tables import AuditEvent
from models.cases import workflow
from models.linking import overview
from models.reporting.intake import Person
from models.store.errors import NotAllowed
from tests.linking.conftest import Office

SVG = "{http://www.w3.org/2000/svg}"


def _clue(office: Office, unit: str, reported: list[str], shielding: list[str]) -> str:
    report_id = office.submit(reported=[Person(name=n) for n in reported],
                              shielding=[Person(name=n) for n in shielding], location="")
    if unit == "b":
        workflow.register_clue(office.rt, office.clerk.id, report_id, office.unit_b, office.other.id)
    else:
        workflow.register_clue(office.rt, office.clerk.id, report_id, office.unit_a, office.clerk.id)
    return report_id


def _setting(office: Office) -> dict[str, list[str]]:
    """第一科: 钱多多 in three clues (twice with 张三), 李四 once. 第二科: 钱多多 twice, 王五 twice."""
    return {
        "a": [_clue(office, "a", ["张三"], ["钱多多"]), _clue(office, "a", ["张 三", "李四"], ["錢多多"]),
              _clue(office, "a", [], ["钱多多"])],
        "b": [_clue(office, "b", ["王五"], ["钱多多"]), _clue(office, "b", ["王五"], ["钱多多"])],
    }


def test_a_head_sees_the_people_named_more_than_once_in_readable_clues_only(office: Office) -> None:
    clues = _setting(office)
    mine = overview.people_overview(office.rt, office.head.id)
    assert [(p.name, p.count, p.roles) for p in mine.people] == [("钱多多", 3, ("official",)),
                                                                   ("张三", 2, ("person",))]
    assert {c.report_id for c in mine.people[0].clues} == set(clues["a"])
    assert all(c.unit == "第一科" for p in mine.people for c in p.clues)
    assert mine.pairs == [(0, 1, 2)]
    theirs = overview.people_overview(office.rt, office.other_head.id)
    assert sorted((p.name, p.count) for p in theirs.people) == [("王五", 2), ("钱多多", 2)]  # a tie
    assert {c.report_id for p in theirs.people for c in p.clues} == set(clues["b"])


def test_the_view_is_audited_without_words_and_clerks_may_not(office: Office) -> None:
    _setting(office)
    overview.people_overview(office.rt, office.head.id)
    with pytest.raises(NotAllowed):
        overview.people_overview(office.rt, office.clerk.id)
    with office.rt.stores.case() as session:
        events = [(e.event, e.actor, e.detail) for e in session.scalars(select(AuditEvent).where(
            AuditEvent.event.in_(["link.overview_viewed", "link.refused"])).order_by(AuditEvent.id))]
    assert events[0] == ("link.overview_viewed", "head", {"people": 2, "clues": 3})
    assert events[1][:2] == ("link.refused", "clerk")
    assert "钱" not in json.dumps(events, ensure_ascii=False)


def test_the_page_draws_the_graph_in_chinese_and_hides_other_units(office: Office, sign_in) -> None:  # type: ignore[no-untyped-def]
    _setting(office)
    head = sign_in(office.head)
    assert "/linking" in head.get("/").get_data(as_text=True)  # the navigation links it
    html = head.get("/linking").get_data(as_text=True)
    assert "线索串并研判" in html and "人员关联图" in html and "钱多多" in html and "张三" in html
    assert "王五" not in html and "第二科" not in html.split('id="people"')[1]
    svg = ET.fromstring(html.split('id="network">')[1].split("</figure>")[0])  # noqa: S314 - our own page
    assert svg.tag == f"{SVG}svg"
    assert [t.text for t in svg.iter(f"{SVG}text")] == ["钱多多", "张三"]
    assert len(list(svg.iter(f"{SVG}line"))) == 1 and "<script" not in html and "http://" not in \
        html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    english = head.get("/linking?lang=en").get_data(as_text=True)
    assert "Connected clues" in english and "Who is named with whom" in english
    other = sign_in(office.other_head).get("/linking").get_data(as_text=True)
    assert "张三" not in other and "王五" in other


def test_clerks_get_no_link_and_no_page(office: Office, sign_in) -> None:  # type: ignore[no-untyped-def]
    clerk = sign_in(office.clerk)
    assert "/linking" not in clerk.get("/").get_data(as_text=True)
    assert clerk.get("/linking").status_code == 403
