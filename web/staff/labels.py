"""Translatable labels for codes the staff pages show: roles, case states, intake channels.

Values are English msgids; templates translate them with ``translate_msg``. Categories and
sources have their labels in ``models.categories``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from datetime import timezone as fixed_zone
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from models.cases import workflow
from models.store.db import as_utc
from models.store.i18n import N_, translate

ROLE_LABELS: dict[str, str] = {
    "intake": N_("Intake staff"),
    "unit_head": N_("Unit head"),
    "protection_officer": N_("Protection officer"),
    "custodian": N_("Custodian"),
    "auditor": N_("Auditor"),
    "admin": N_("Administrator"),
}

# The states of R14 are named where the transitions live.
STATE_LABELS = workflow.STATE_LABELS

CHANNEL_LABELS: dict[str, str] = {
    "web": N_("Web form"),
    "api": N_("Public API"),
    "telegram": N_("Telegram bot"),
    "phone": N_("Telephone"),
    "letter": N_("Letter"),
    "visit": N_("Visit in person"),
    "referral": N_("Referral"),
}

# How staff received a clue they record themselves (R1): the source decides the channel.
STAFF_SOURCE_CHANNEL: dict[str, str] = {
    "phone": "phone",
    "letter": "letter",
    "visit": "visit",
    "superior": "referral",
    "leader": "referral",
    "member_unit": "referral",
    "enforcement": "referral",
    "discipline": "referral",
    "political_legal": "referral",
    "anti_gang_office": "referral",
}


def local_time(at: datetime | None, timezone: str) -> str:
    """A stored time (UTC; SQLite hands it back naive) as 'YYYY-MM-DD HH:MM' in the site's zone."""
    if at is None:
        return ""
    at = as_utc(at)
    return at.astimezone(site_zone(timezone)).strftime("%Y-%m-%d %H:%M")


def site_zone(timezone: str) -> ZoneInfo | fixed_zone:
    """The configured zone; China Standard Time if the zone database lacks it (bare Windows)."""
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return fixed_zone(timedelta(hours=8), "CST")


@lru_cache(maxsize=64)
def _translated(locale: str, labels: tuple[tuple[str, str], ...]) -> dict[str, str]:
    return {code: translate(locale, label) for code, label in labels}


def translated(locale: str, labels: Mapping[str, str]) -> dict[str, str]:
    """A label table in ``locale``, translated once per process: a list of 50 rows then looks
    labels up instead of calling the catalogue four times a row."""
    return _translated(locale, tuple(labels.items()))
