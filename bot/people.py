"""People entries (被举报人, 保护伞) read as the web form reads them: a name, then unit, position, place.

One message is one person. Its parts are split only on an explicit separator, a new line or
"|" (full-width "｜" too); commas belong to the text ("外号“黑狗”的男子，负责收过路费" is one name).
A message with a name only is followed by a question for the rest. Nothing is cut: a part over
the limit, or too many parts, is refused with the limit stated.
"""

from __future__ import annotations

import re

from models.reporting import limits
from models.store.errors import InvalidInput
from models.store.i18n import N_

SEPARATOR = re.compile(r"\s*(?:\r?\n|\||｜)\s*")
REPORTED_FIELDS = ("name", "unit", "position", "place")
SHIELDING_FIELDS = ("name", "unit", "position")
FIELDS = {"reported": REPORTED_FIELDS, "shielding": SHIELDING_FIELDS}
__all__ = ["FIELDS", "parse_details", "parse_person", "describe"]


def _parts(text: str, fields: tuple[str, ...], key: str) -> list[str]:
    """The message's parts, in field order; too many, or one over its limit (``limits``), is refused."""
    parts = [p.strip() for p in SEPARATOR.split(text.replace("\x00", "").strip())]
    if len(parts) > len(fields):
        raise InvalidInput({"person": N_("Too many parts: at most %(n)s, one per line or separated by |. "
                                         "Nothing was added; please send it again.")}, n=len(fields))
    for field, part in zip(fields, parts, strict=False):
        if problem := limits.check_field(f"{key}-{field}", part):
            raise InvalidInput({"person": N_("A part is too long: at most %(n)s characters each. Nothing was "
                                             "added; please shorten it and send it again.")}, n=problem.max)
    return parts


def parse_person(text: str, key: str) -> dict[str, str]:
    """A person from one message: the name first, then what the separators give (in field order)."""
    fields = FIELDS[key]
    parts = _parts(text, fields, key)
    if not parts[0]:
        raise InvalidInput({"person": N_("Start with the name or alias (or a description such as "
                                         "\"the tall man at the market\").")})
    return {field: value for field, value in zip(fields, parts, strict=False) if value}


SPACES = re.compile(r"[ \u3000]+")


def parse_details(text: str, key: str, person: dict[str, str]) -> dict[str, str]:
    """The unit, position (and place) for a person who was given by name only.

    Here, unlike the name, a space also separates when nothing else does: "沙河村村委会 村主任" is a
    unit and a position (issue #27 item 13). Too many spaced words stay one unit, as typed."""
    rest = FIELDS[key][1:]
    spaced = SPACES.split(text.strip())
    if not SEPARATOR.search(text.strip()) and 1 < len(spaced) <= len(rest):
        text = "\n".join(spaced)
    parts = _parts(text, rest, key)
    return {**person, **{field: value for field, value in zip(rest, parts, strict=False) if value}}


def describe(person: dict[str, str], key: str) -> str:
    """The person as the reporter gave them, parts joined by " / " (for the reporter's own chat)."""
    return " / ".join(person[field] for field in FIELDS[key] if person.get(field))
