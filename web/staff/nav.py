"""The staff navigation: which links each role sees. Other areas add theirs with ``add_nav_link``."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, url_for

from models.staff.accounts import CONTENT_ROLES
from models.store.i18n import N_


@dataclass(frozen=True)
class NavLink:
    endpoint: str
    label: str  # an English msgid
    roles: frozenset[str]


NAV_LINKS: list[NavLink] = [
    NavLink("cases.inbox", N_("Clues"), CONTENT_ROLES),
    NavLink("cases.new_clue", N_("Record a clue"), frozenset({"intake", "unit_head"})),
]

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


def add_nav_link(endpoint: str, label: str, roles: frozenset[str] | set[str]) -> None:
    """Show a link to ``endpoint`` to these roles (call at import time of the area's module)."""
    if all(link.endpoint != endpoint for link in NAV_LINKS):
        NAV_LINKS.append(NavLink(endpoint, label, frozenset(roles)))


def links_for(role: str) -> list[tuple[str, str]]:
    """(url, msgid) of the links this role sees, for endpoints this app actually has."""
    views = current_app.view_functions
    return [(url_for(link.endpoint), link.label) for link in NAV_LINKS
            if role in link.roles and link.endpoint in views]
