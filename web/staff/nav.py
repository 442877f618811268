"""The staff navigation: every page a role may use, on every page, with counts of what waits.

Other areas add their links with ``add_nav_link``. A link may carry query arguments (the "my work"
views are inbox filters) and a count: ``waiting_counts`` asks the models what waits for the
signed-in person (capped queries, so the navigation stays cheap on a large store).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import current_app, url_for

from models.administration.approvals import pending_for
from models.cases.waiting import CAP, waiting_for
from models.protection.waiting import approved_unseals_waiting, assessments_waiting, unseal_requests_waiting
from models.staff.accounts import CONTENT_ROLES
from models.staff.acting import role_may
from models.store.i18n import N_
from web.shared import get_runtime

HANDLERS = frozenset({"intake", "unit_head"})


@dataclass(frozen=True)
class NavLink:
    endpoint: str
    label: str  # an English msgid
    roles: frozenset[str] | None  # None: every role the view's act admits
    args: dict[str, str] = field(default_factory=dict)
    count: str | None = None  # a key of waiting_counts()


@dataclass(frozen=True)
class ShownLink:
    url: str
    label: str
    count: int
    capped: bool
    active: bool
    group: str = "work"


# The navigation's groups, in order (#27 item 11b: a unit head's 19 links read as four short lists).
GROUPS: dict[str, str] = {
    "work": N_("Work"),
    "approvals": N_("Approvals"),
    "confidentiality": N_("Confidentiality"),
    "account": N_("Account"),
}
# Where each page's link sits; a link not named here is work.
GROUP_OF: dict[tuple[str, str], str] = {
    ("cases.inbox", "approval"): "approvals",
    ("admin.changes", ""): "approvals",
    ("admin.admin_changes", ""): "approvals",
    ("unseal.index", ""): "approvals",
    ("confidentiality_lists.borrowing_list", ""): "confidentiality",
    ("confidentiality_lists.copy_list", ""): "confidentiality",
    ("confidentiality_lists.review", ""): "confidentiality",
    ("confidentiality_lists.meeting_list", ""): "confidentiality",
    ("confidentiality_lists.register", ""): "confidentiality",
    ("unseal.redeal", ""): "confidentiality",
    ("admin.own_password", ""): "account",
}


@dataclass(frozen=True)
class NavGroup:
    key: str
    label: str  # an English msgid
    links: list[ShownLink]


NAV_LINKS: list[NavLink] = [
    NavLink("cases.inbox", N_("Clues"), CONTENT_ROLES),
    NavLink("cases.inbox", N_("My clues"), HANDLERS, {"handler": "me"}),
    NavLink("cases.inbox", N_("Unread messages"), CONTENT_ROLES, {"unread": "1"}, "unread"),
    NavLink("cases.inbox", N_("Awaiting approval"), frozenset({"unit_head"}), {"approval": "1"}, "approvals"),
    NavLink("cases.inbox", N_("Awaiting risk assessment"), frozenset({"protection_officer"}),
            {"assessment": "waiting"}, "assessments"),
    NavLink("deadlines.board", N_("Deadlines"), HANDLERS, count="overdue"),
    NavLink("new_clue.new_clue", N_("Record a clue"), HANDLERS),
    NavLink("stats.overview", N_("Statistics"), frozenset({"unit_head"})),
    NavLink("workflow.authorities", N_("Authorities"), frozenset({"intake", "unit_head", "admin"})),
    NavLink("units.index", N_("Units"), frozenset({"admin"})),
]
# Counts for links other modules add.
COUNT_FOR_ENDPOINT = {"unseal.index": "unseal", "admin.changes": "account_changes",
                      "admin.admin_changes": "account_changes"}

# What each role that reads no clue content does here (the start page lists it).
ROLE_DUTIES: dict[str, list[str]] = {
    "custodian": [
        N_("Approve or deny requests to unseal a reporter's identity, with your own passphrase."),
        N_("You see no clue content; an identity opens only when enough custodians approve."),
    ],
    "auditor": [
        N_("Read and verify the audit trail of every view, change, export and sign-in."),
        N_("You see no clue content and no identities."),
    ],
    "admin": [
        N_("Manage staff accounts and units."),
        N_("You see no clue content and no identities."),
    ],
}


def add_nav_link(endpoint: str, label: str, roles: frozenset[str] | set[str] | None = None) -> None:
    """Show a link to ``endpoint`` to the roles its view's act admits (``require_act``), or only to
    ``roles`` among them where two pages share one act (call at import time of the area's module)."""
    if all(link.endpoint != endpoint or link.args for link in NAV_LINKS):
        narrowed = frozenset(roles) if roles is not None else None
        NAV_LINKS.append(NavLink(endpoint, label, narrowed, count=COUNT_FOR_ENDPOINT.get(endpoint)))


def _admits(view: Callable[..., object], role: str) -> bool:
    """Whether the act that guards this view (``require_act``) admits the role: a link is never
    shown to a role its page would refuse. Every staff view but the open ones names its act."""
    act = getattr(view, "clueguard_act", None)
    return act is None or role_may(role, act)


def waiting_counts(role: str, staff_id: int) -> dict[str, int]:
    """What waits for this person, by count key (each capped at CAP)."""
    rt = get_runtime()
    if role == "custodian":
        return {"unseal": unseal_requests_waiting(rt, staff_id)}
    if role == "admin":  # account changes only another administrator may decide (R29)
        return {"account_changes": len(pending_for(rt, staff_id))}
    if role not in CONTENT_ROLES:
        return {}
    w = waiting_for(rt, staff_id)
    counts = {"unread": w.unread, "approvals": w.approvals, "overdue": w.overdue, "escalations": w.escalations}
    if role == "unit_head":
        counts["account_changes"] = len(pending_for(rt, staff_id))
    if role == "protection_officer":
        counts["assessments"] = assessments_waiting(rt, staff_id)
        counts["unseal"] = approved_unseals_waiting(rt, staff_id)  # approved: open it in its window
    return counts


def links_for(role: str, counts: dict[str, int] | None = None, here: str = "") -> list[ShownLink]:
    """The links this role sees, for endpoints this app actually has, with their counts."""
    views = current_app.view_functions
    counts = counts or {}
    shown = []
    for link in NAV_LINKS:
        if link.endpoint not in views or (link.roles is not None and role not in link.roles) \
                or not _admits(views[link.endpoint], role):
            continue
        url = url_for(link.endpoint, **link.args)  # type: ignore[arg-type]  # query arguments only
        n = counts.get(link.count or "", 0)
        group = GROUP_OF.get((link.endpoint, next(iter(link.args), "")), "work")
        shown.append(ShownLink(url, link.label, n, n >= CAP, url == here, group))
    return shown


def grouped(links: list[ShownLink]) -> list[NavGroup]:
    """The links under their group headings, groups in their order, empty groups left out; the
    account group is always there (sign-out sits in it)."""
    return [NavGroup(key, label, [link for link in links if link.group == key]) for key, label in GROUPS.items()
            if key == "account" or any(link.group == key for link in links)]
