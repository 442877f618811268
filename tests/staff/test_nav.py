"""The navigation asks the act declarations (#23): a role sees a link exactly when the act that
guards its page admits that role, so no link leads to a 403 and no page is left without a link."""

from __future__ import annotations

import dataclasses
import re

import pytest

from models.staff import acting
from models.staff.accounts import ROLES

LINK = re.compile(r'<a href="(/[^"]*)"')


@pytest.mark.parametrize("role", sorted(ROLES))
def test_every_link_a_role_sees_opens_for_that_role(sign_in, make_staff, role) -> None:
    unit = None if role in {"auditor", "admin", "custodian"} else "第一科"
    client = sign_in(make_staff(f"u_{role}", role, unit=unit))
    nav = client.get("/").get_data(as_text=True).split('class="staff-nav"')[1].split("</nav>")[0]
    links = {url.replace("&amp;", "&") for url in LINK.findall(nav)}
    assert links, role
    for url in sorted(links):
        if url.startswith("/logout"):
            continue
        assert client.get(url).status_code == 200, (role, url)


def test_a_role_taken_out_of_an_act_loses_the_link_to_its_page(sign_in, make_staff,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    client = sign_in(make_staff("auditor", "auditor", unit=None))
    assert 'href="/audit"' in client.get("/").get_data(as_text=True)
    act = acting.ACTS["audit.read"]
    monkeypatch.setitem(acting.ACTS, "audit.read", dataclasses.replace(act, roles=frozenset()))
    assert 'href="/audit"' not in client.get("/").get_data(as_text=True)
