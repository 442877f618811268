"""The duplicate hint (issue 24, R14): before and at registration, the readable clues naming the same
person, official or number, each with the kind it shares and a way to the merge act (which asks
first); a clue the clerk may not read is never shown nor counted."""

from __future__ import annotations

import re

from models.cases import workflow
from models.linking import search
from models.reporting.intake import Person
from tests.linking.conftest import Office

OFFICIAL = "钱多多"


def _setting(office: Office) -> dict[str, str]:
    """An earlier clue of 第一科 naming the official, one sharing a place only, one of 第二科 naming
    him too, one already merged, and the new clue just received."""
    mine = office.registered(shielding=[Person(name=OFFICIAL)], reported=[], location="东山镇西村")
    place_only = office.registered(shielding=[], reported=[], location="东山镇西村", description="路灯坏了。")
    theirs = office.submit(shielding=[Person(name=OFFICIAL)], reported=[], location="")
    workflow.register_clue(office.rt, office.clerk.id, theirs, office.unit_b, office.other.id)
    gone = office.registered(shielding=[Person(name=OFFICIAL)], reported=[], location="")
    workflow.merge_clue(office.rt, office.clerk.id, gone, mine)
    new = office.submit(shielding=[Person(name="錢 多多")], reported=[], location="东山镇西村")
    return {"mine": mine, "place_only": place_only, "theirs": theirs, "gone": gone, "new": new}


def test_the_hint_lists_only_readable_open_clues_sharing_a_name_or_number(office: Office) -> None:
    clues = _setting(office)
    hint = search.possible_duplicates(office.rt, office.clerk.id, clues["new"])
    # The place-only link is not a repeat; 第二科's clue is unreadable; the merged one takes nothing in.
    assert [(h.report_id, h.kinds) for h in hint] == [(clues["mine"], ("official",))]
    # The other unit's clerk, on 第二科's clue, sees nothing of 第一科's.
    assert search.possible_duplicates(office.rt, office.other.id, clues["theirs"]) == []


def test_the_case_page_shows_the_hint_before_registration_with_a_merge_button(office: Office, sign_in) -> None:  # type: ignore[no-untyped-def]
    clues = _setting(office)
    clerk = sign_in(office.clerk)
    html = clerk.get(f"/cases/{clues['new']}").get_data(as_text=True)
    section = html.split('id="duplicates"')[1].split("</section>")[0]
    assert office.registry_no(clues["mine"]) in section and "同一公职人员" in section
    for other in ("theirs", "place_only", "gone"):
        assert office.registry_no(clues[other]) not in section
    assert "同一地点" not in section  # the kind shared is the official's name, never the place too
    assert re.search(rf'name="into" value="{office.registry_no(clues["mine"])}"', section)
    # The button leads to the merge act's confirmation: nothing is merged without it.
    page = clerk.post(f"/cases/{clues['new']}/act/merge", {"into": office.registry_no(clues["mine"])},
                      page=f"/cases/{clues['new']}")
    assert page.status_code == 200 and office.state(clues["new"]) == "received"
    assert office.registry_no(clues["mine"]) in page.get_data(as_text=True)


def test_registering_says_how_many_readable_clues_it_may_repeat(office: Office, sign_in) -> None:  # type: ignore[no-untyped-def]
    clues = _setting(office)
    clerk = sign_in(office.clerk)
    response = clerk.post(f"/cases/{clues['new']}/act/register",
                          {"assignee": f"{office.unit_a}:{office.clerk.id}"}, page=f"/cases/{clues['new']}",
                          follow_redirects=True)
    html = response.get_data(as_text=True)
    assert office.state(clues["new"]) == "registered"
    # One: 第二科's clue names him too, but is neither shown nor counted.
    assert "可能与另外 1 条线索重复" in html
    assert office.registry_no(clues["mine"]) in html.split('id="duplicates"')[1].split("</section>")[0]


def test_another_units_clerk_sees_no_hint(office: Office, sign_in) -> None:  # type: ignore[no-untyped-def]
    clues = _setting(office)
    named = office.registered(shielding=[Person(name="孙保护")], reported=[], location="")
    fresh = office.submit(shielding=[Person(name="孙保护")], reported=[], location="")
    workflow.register_clue(office.rt, office.clerk.id, fresh, office.unit_b, office.other.id)
    assert search.possible_duplicates(office.rt, office.other.id, fresh) == []
    html = sign_in(office.other).get(f"/cases/{fresh}").get_data(as_text=True)
    section = html.split('id="duplicates"')[1].split("</section>")[0]
    assert office.registry_no(named) not in section and "registry" not in section
    assert office.registry_no(clues["mine"]) not in section
    # Nor is 第一科's clerk told of 第二科's clue, the other way round.
    assert [h.report_id for h in search.possible_duplicates(office.rt, office.clerk.id, named)] == []


def test_a_clue_recorded_by_phone_says_how_many_readable_clues_it_may_repeat(office: Office, sign_in) -> None:  # type: ignore[no-untyped-def]
    from tests.staff.test_new_clue import phone_clue

    clues = _setting(office)
    response = sign_in(office.clerk).post("/cases/new", phone_clue(**{"shielding-0-name": OFFICIAL}))
    assert response.status_code == 200
    # 第一科's clue and the one just received name him; 第二科's is neither shown nor counted.
    assert "可能与另外 2 条线索重复" in response.get_data(as_text=True)
    assert office.registry_no(clues["theirs"]) not in response.get_data(as_text=True)
