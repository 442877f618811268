"""What was removed from a reporter's files, as the protection officer reads it (R7, R11).

The cleaners report what they removed under a few common keys (``gps``, ``make``, ``model``,
``author``, ``taken_at`` …) and the format's own names for the rest. This turns one sealed
identity's ``file_metadata`` into labelled lines: a position in decimal degrees, times in the
site's time zone, device make and model first, and every other removed detail after them as
"name: value". Identities sealed before this (flat EXIF dicts with degree/minute/second tuples)
read the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from models.store.i18n import N_

# The common keys, in the order an officer weighs them, with their labels.
LABELS: dict[str, str] = {
    "file_name": N_("File"),
    "gps": N_("Position (latitude, longitude)"),
    "taken_at": N_("Taken at"),
    "created": N_("Created at"),
    "modified": N_("Last changed at"),
    "make": N_("Device make"),
    "model": N_("Device model"),
    "author": N_("Author"),
    "modified_by": N_("Last changed by"),
    "software": N_("Software"),
    "producer": N_("Made into PDF by"),
    "title": N_("Title"),
    "subject": N_("Subject"),
    "keywords": N_("Keywords"),
    "comment": N_("Comment"),
}
OTHER = N_("Other details removed")
CAMERA_CLOCK = N_("by the device's own clock, zone unknown")
_TIMES = {"taken_at", "created", "modified"}
_PDF_DATE = re.compile(r"^D:(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(Z|[+-]\d{2}'?\d{2}'?)?")
_NUMBERS = re.compile(r"-?\d+(?:\.\d+)?")


@dataclass(frozen=True)
class RemovedFile:
    """One file's removed details: labelled lines (label msgid, value, note msgid or ""), then the
    rest as "name: value" text."""

    number: int
    lines: list[tuple[str, str, str]]
    other: list[str]


def describe_removed(metadata: object, timezone: str) -> list[RemovedFile]:
    """Readable lines for the ``file_metadata`` of an opened identity; nothing raw is left."""
    if not isinstance(metadata, dict):
        return []
    files = []
    for key, removed in sorted(metadata.items(), key=lambda kv: _number(str(kv[0]))):
        if isinstance(removed, dict):
            files.append(_describe_one(_number(str(key)), {str(k): str(v) for k, v in removed.items()}, timezone))
    return files


def _number(key: str) -> int:
    digits = "".join(c for c in key if c.isdigit())
    return int(digits) if digits else 0


def _describe_one(number: int, removed: dict[str, str], timezone: str) -> RemovedFile:
    removed = dict(removed)
    if "gps" not in removed and (legacy := _legacy_position(removed)):
        removed["gps"] = legacy
    if "make" not in removed and "Make" in removed:  # identities sealed before the common keys
        removed["make"] = removed.pop("Make")
    if "model" not in removed and "Model" in removed:
        removed["model"] = removed.pop("Model")
    lines = []
    for key, label in LABELS.items():
        if removed.get(key):
            value, note = _local_time(removed[key], timezone) if key in _TIMES else (removed[key], "")
            lines.append((label, value, note))
    other = [f"{k.replace('.', ' ')}: {v}" for k, v in sorted(removed.items()) if k not in LABELS]
    return RemovedFile(number, lines, other)


def _local_time(value: str, timezone: str) -> tuple[str, str]:
    """An ISO 8601 or PDF date in the site's zone, to the minute; a time without a zone as written,
    with a note saying so."""
    text = value.strip()
    if match := _PDF_DATE.match(text):
        year, month, day, hour, minute, second, zone = match.groups()
        zone = (zone or "").replace("'", "")
        zone = zone[:3] + ":" + zone[3:] if zone and zone != "Z" else zone
        text = f"{year}-{month or '01'}-{day or '01'}T{hour or '00'}:{minute or '00'}:{second or '00'}{zone}"
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return value, ""
    if when.tzinfo is None:
        return when.strftime("%Y-%m-%d %H:%M"), CAMERA_CLOCK
    return when.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M %Z"), ""


def _legacy_position(removed: dict[str, str]) -> str | None:
    """Decimal degrees from the old ``GPS.GPSLatitude`` = "(31.0, 13.0, 49.44)" style."""
    try:
        lat = _degrees(removed["GPS.GPSLatitude"], removed.get("GPS.GPSLatitudeRef", "N"))
        lon = _degrees(removed["GPS.GPSLongitude"], removed.get("GPS.GPSLongitudeRef", "E"))
    except (KeyError, ValueError, IndexError):
        return None
    return f"{lat:.6f}, {lon:.6f}"


def _degrees(dms: str, ref: str) -> float:
    parts = [float(n) for n in _NUMBERS.findall(dms)][:3]
    value = parts[0] + (parts[1] / 60 if len(parts) > 1 else 0) + (parts[2] / 3600 if len(parts) > 2 else 0)
    return -value if ref.strip().upper()[:1] in {"S", "W"} else value
