"""What a clue is indexed by, normalised so that the same value written differently gives one token.

NFKC (full width to half width), lower case, spaces and punctuation removed, traditional to
simplified Chinese (OpenCC's ``t2s``); a name written with a placeholder (王某, 王某某, 王XX, 王*)
gives a surname-only value of its own kind, which never matches a full name. Identifiers are
found by pattern in every text field: mainland mobile numbers, landlines, vehicle plates and
18-digit ID-card numbers. Nothing here is stored: ``models.linking.index`` keys every value.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import opencc

# The kind a token is keyed under: a reported person and a shielding official with the same name
# are the same name; the kind stored with the row says in which role the clue named them.
HASH_KIND = {"person": "name", "official": "name", "surname": "surname", "alias": "alias",
             "organisation": "org", "place": "place", "phone": "phone", "plate": "plate", "id_number": "id"}
PLACEHOLDER = re.compile(r"^(.{1,2}?)[某xX*＊○〇]+$")
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
LANDLINE = re.compile(r"(?<!\d)0\d{2,3}-?\d{7,8}(?!\d)")
PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
PLATE = re.compile(rf"[{PROVINCES}][A-Z][\s·.\-]?[A-Z0-9]{{5,6}}(?![A-Z0-9])")
PLATE_GAP = re.compile(r"[\s·.\-]")
# Nicknames (docs/linking.md, "Nicknames"): a two-character name made of a prefix or suffix of
# address and one character. A birth-order nickname, 老三 = 三哥 = 三儿, is one alias of the ordinal;
# any other (老王, 小王, 龙哥, 阿强) is an alias of itself: 老王 is not 小王, and never 王建国.
NICKNAME = re.compile(r"^(?:([老小阿])(\w)|(\w)([哥姐爷儿]))$")
ORDINALS = "二三四五六七八九十幺"
ORDINAL_FORMS = {"老", "哥", "儿"}
# Words of address that name nobody in particular ("the boss", "big brother"): no token at all.
NOBODY = frozenset({"老大", "大哥", "大姐", "老板", "老总", "小弟", "大佬", "老公", "老婆", "老爷", "小哥",
                    "小姐", "阿姨", "大爷", "老哥", "老姐"})
# A place or unit left unnamed (某县, 某村委会) links nothing.
UNNAMED = "某"
ID_NUMBER = re.compile(r"(?<!\d)\d{17}[\dX](?![\dX])")
# Digits split by spaces or hyphens ("138 0013 8000", "0755-1234 5678") are joined first.
DIGIT_GAP = re.compile(r"(?<=\d)[\s\-](?=\d)")
# Place parts worth linking on: county, district, town, township, village, street (not province, city).
PLACE_PART = re.compile(r".+?(?:县|区|镇|乡|村|街道|社区)")


@lru_cache(maxsize=1)
def _t2s() -> Any:
    return opencc.OpenCC("t2s")


def simplify(text: str) -> str:
    """NFKC, traditional to simplified, lower case, spaces and punctuation dropped."""
    text = _t2s().convert(unicodedata.normalize("NFKC", text))
    return "".join(ch for ch in text.lower() if unicodedata.category(ch)[0] in "LN")


def name_values(name: str, kind: str) -> Iterator[tuple[str, str]]:
    """(kind, value) of a person's or official's name; a placeholder name gives its surname only."""
    raw = unicodedata.normalize("NFKC", name or "").strip()
    compact = "".join(ch for ch in raw if not ch.isspace())
    held = PLACEHOLDER.match(compact)
    if held and len(compact) > len(held.group(1)):
        surname = simplify(held.group(1))
        if surname:
            yield "surname", surname
        return
    value = simplify(raw)
    if value in NOBODY:
        return
    alias = nickname(value)
    if alias:
        yield "alias", alias
    elif value:
        yield kind, value


def nickname(value: str) -> str | None:
    """The alias a simplified name is indexed by, if it is a nickname (老三 and 三哥 give "三行")."""
    found = NICKNAME.match(value)
    if not found:
        return None
    prefix, char = found.group(1) or found.group(4), found.group(2) or found.group(3)
    if char in ORDINALS and prefix in ORDINAL_FORMS:
        return f"{char}行"  # 排行第三: the birth order, whichever form of address
    return value


def place_values(place: str) -> Iterator[tuple[str, str]]:
    value = simplify(place or "")
    if value and UNNAMED not in value:
        yield "place", value
    for part in PLACE_PART.findall(value):
        if part != value and len(part) >= 2 and UNNAMED not in part:
            yield "place", part


def identifiers(text: str) -> Iterator[tuple[str, str]]:
    """Phone numbers, plates and ID-card numbers found in free text."""
    text = DIGIT_GAP.sub("", unicodedata.normalize("NFKC", text or "").upper())
    text = _t2s().convert(text)
    for m in ID_NUMBER.finditer(text):
        yield "id_number", m.group(0)
    for m in MOBILE.finditer(text):
        yield "phone", m.group(0)
    for m in LANDLINE.finditer(text):
        yield "phone", m.group(0).replace("-", "")
    for m in PLATE.finditer(text):
        yield "plate", PLATE_GAP.sub("", m.group(0)).lower()


def clue_values(clue: dict[str, Any]) -> set[tuple[str, str]]:
    """Every (kind, normalised value) a clue is indexed by."""
    out: set[tuple[str, str]] = set()
    texts: list[str] = [str(clue.get("description") or ""), str(clue.get("location") or "")]
    out.update(place_values(str(clue.get("location") or "")))
    for group, kind in (("reported", "person"), ("shielding", "official")):
        for person in clue.get(group) or []:
            if not isinstance(person, dict):
                continue
            out.update(name_values(str(person.get("name") or ""), kind))
            unit = simplify(str(person.get("unit") or ""))
            if unit and UNNAMED not in unit:
                out.add(("organisation", unit))
            out.update(place_values(str(person.get("place") or "")))
            texts += [str(v) for v in person.values() if v]
    # One pass over every text field ("|" is neither a digit nor a gap, so no number spans two).
    out.update(identifiers("|".join(texts)))
    return out


def query_values(text: str) -> set[tuple[str, str]]:
    """What a search for ``text`` looks for: an identifier if it is one, else a name, unit or place."""
    found = set(identifiers(text))
    if found:
        return found
    out: set[tuple[str, str]] = set(name_values(text, "person"))
    value = simplify(text)
    if value:
        out.update({("organisation", value), ("place", value)})
    return out
