"""Photos and animations: metadata segments dropped, pixels and frames kept byte for byte.

Nothing is re-encoded, so a cleaned image is never larger than the one sent and never loses a
frame: JPEG keeps its entropy-coded scans and drops APP1 (EXIF, XMP), APP13 (IPTC), COM and the
other application segments (APP2 only keeps an ICC profile: MPF's second pictures carry their own
EXIF) and anything after the end of the image; an EXIF orientation other than "upright" is kept
alone in a new, minimal APP1 so the photo still shows the right way up. PNG and WebP keep only the
chunks that draw the picture (text, time, EXIF, XMP and unknown chunks go), GIF drops its comments
and foreign application blocks.
Pillow reads the header first: the pixel count is checked before anything is decoded.
"""

from __future__ import annotations

import io
import struct

from PIL import ExifTags, Image

from models.reporting.cleaning.errors import CleaningFailed

MAX_IMAGE_PIXELS = 40_000_000
Image.MAX_IMAGE_PIXELS = 64 * MAX_IMAGE_PIXELS
_MAX_VALUE = 200

_JPEG_KEEP_APP = {0xE0, 0xEE}  # JFIF, Adobe (colour transform): no person in them
# Chunks kept: the picture, its colour and animation. Text, time, EXIF and any private or unknown
# chunk go (a list of what to keep, not of what to drop: a chunk we do not know may hold anything).
_PNG_KEEP = {b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"cHRM", b"gAMA", b"iCCP", b"sBIT", b"sRGB", b"cICP",
             b"mDCV", b"cLLI", b"bKGD", b"hIST", b"pHYs", b"sPLT", b"acTL", b"fcTL", b"fdAT"}
_GIF_KEEP_APP = {b"NETSCAPE2.0", b"ANIMEXTS1.0"}  # the loop count
_WEBP_KEEP = {b"VP8 ", b"VP8L", b"VP8X", b"ANIM", b"ANMF", b"ALPH", b"ICCP"}


def clean_image(data: bytes, mime: str) -> tuple[bytes, dict[str, str]]:
    """Return the image without its metadata, and what was removed."""
    removed, orientation = _read_metadata(data)
    if mime == "image/jpeg":
        return _clean_jpeg(data, orientation), removed
    cleaners = {"image/png": _clean_png, "image/apng": _clean_png, "image/gif": _clean_gif, "image/webp": _clean_webp}
    cleaner = cleaners[mime]
    return cleaner(data), removed


def _read_metadata(data: bytes) -> tuple[dict[str, str], int]:
    try:
        with Image.open(io.BytesIO(data)) as img:
            width, height = img.size
            if width * height > MAX_IMAGE_PIXELS:
                raise CleaningFailed("too_many_pixels")
            removed = _summary(img)
            orientation = int(img.getexif().get(ExifTags.Base.Orientation, 1) or 1)
            # A cheap decode (a JPEG at 1/8 scale, the first frame otherwise) proves the pixels read.
            img.draft(img.mode, (max(1, width // 8), max(1, height // 8)))
            img.load()
    except CleaningFailed:
        raise
    except Exception as exc:  # any failure of a decoder on a hostile file is a refusal
        raise CleaningFailed("unreadable") from exc
    return removed, orientation if 1 <= orientation <= 8 else 1


def _summary(img: Image.Image) -> dict[str, str]:
    removed: dict[str, str] = {}
    exif = img.getexif()
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    sub = exif.get_ifd(ExifTags.IFD.Exif)
    for key, base in (("make", ExifTags.Base.Make), ("model", ExifTags.Base.Model),
                      ("software", ExifTags.Base.Software), ("author", ExifTags.Base.Artist)):
        if exif.get(base):
            removed[key] = _text(exif[base])
    taken = sub.get(ExifTags.Base.DateTimeOriginal) or exif.get(ExifTags.Base.DateTime)
    if taken:
        offset = sub.get(ExifTags.Base.OffsetTimeOriginal) or ""
        removed["taken_at"] = _exif_time(_text(taken), _text(offset))
    if (position := _gps_position(gps)) is not None:
        removed["gps"] = position
    for tag, value in exif.items():
        name = ExifTags.TAGS.get(tag, str(tag))
        if tag not in {ExifTags.Base.Make, ExifTags.Base.Model, ExifTags.Base.Software,
                       ExifTags.Base.Artist, ExifTags.Base.ExifOffset, ExifTags.Base.GPSInfo}:
            removed[f"EXIF {name}"] = _text(value)
    for tag, value in sub.items():
        if tag not in {ExifTags.Base.DateTimeOriginal, ExifTags.Base.MakerNote}:
            removed[f"EXIF {ExifTags.TAGS.get(tag, str(tag))}"] = _text(value)
    if ExifTags.Base.MakerNote in sub:
        removed["EXIF MakerNote"] = f"{len(sub[ExifTags.Base.MakerNote])} bytes"
    for tag, value in gps.items():
        removed[f"GPS {ExifTags.GPSTAGS.get(tag, str(tag))}"] = _text(value)
    if img.info.get("comment"):
        removed["comment"] = _text(img.info["comment"])
    for block in ("xmp", "XML:com.adobe.xmp", "photoshop"):
        if block in img.info:
            removed[block] = f"{len(img.info[block])} bytes"
    for info_key, info_value in img.info.items():
        if isinstance(info_value, str) and info_key not in removed and not str(info_key).startswith("XML:"):
            removed[f"text {info_key}"] = info_value[:_MAX_VALUE]
    return removed


def _text(value: object) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if isinstance(value, tuple):
        return " ".join(_text(v) for v in value)[:_MAX_VALUE]
    return str(value).strip("\x00 ")[:_MAX_VALUE]


def _exif_time(taken: str, offset: str) -> str:
    """EXIF's "2024:05:01 10:00:00" as ISO 8601; with its offset when the camera wrote one."""
    date, _, clock = taken.partition(" ")
    iso = f"{date.replace(':', '-')}T{clock}" if clock else taken
    return iso + offset if offset[:1] in {"+", "-"} else iso


def _gps_position(gps: dict[int, object]) -> str | None:
    try:
        lat = _degrees(gps[2], gps.get(1, "N"))
        lon = _degrees(gps[4], gps.get(3, "E"))
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None
    return f"{lat:.6f}, {lon:.6f}"


def _degrees(dms: object, ref: object) -> float:
    parts = [float(p) for p in dms]  # type: ignore[attr-defined]
    value = parts[0] + parts[1] / 60 + parts[2] / 3600
    return -value if _text(ref).upper() in {"S", "W"} else value


def _orientation_segment(orientation: int) -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    payload = exif.tobytes()
    return b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload


def _clean_jpeg(data: bytes, orientation: int) -> bytes:
    if data[:2] != b"\xff\xd8":
        raise CleaningFailed("unreadable")
    out = [data[:2]]
    if orientation != 1:
        out.append(_orientation_segment(orientation))
    pos, end = 2, len(data)
    while pos < end:
        if data[pos] != 0xFF:
            raise CleaningFailed("unreadable")
        marker = data[pos + 1] if pos + 1 < end else -1
        if marker == 0xFF:  # fill bytes
            pos += 1
            continue
        if marker == 0xD9:  # end of image: whatever follows (a second picture, a trailer) goes
            out.append(b"\xff\xd9")
            return b"".join(out)
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # markers without a length
            out.append(data[pos:pos + 2])
            pos += 2
            continue
        if marker < 0 or pos + 4 > end:
            raise CleaningFailed("unreadable")
        length = struct.unpack(">H", data[pos + 2:pos + 4])[0]
        segment_end = pos + 2 + length
        if length < 2 or segment_end > end:
            raise CleaningFailed("unreadable")
        keep = (not 0xE0 <= marker <= 0xEF and marker != 0xFE) or marker in _JPEG_KEEP_APP or (
            marker == 0xE2 and data[pos + 4:pos + 16] == b"ICC_PROFILE\x00")
        if keep:
            out.append(data[pos:segment_end])
        pos = segment_end
        if marker == 0xDA:  # start of scan: entropy-coded data up to the next real marker
            scan = pos
            while True:
                pos = data.find(b"\xff", pos)
                if pos < 0 or pos + 1 >= end:
                    raise CleaningFailed("unreadable")
                following = data[pos + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
                    pos += 1 if following == 0xFF else 2
                    continue
                break
            out.append(data[scan:pos])
    raise CleaningFailed("unreadable")


def _clean_png(data: bytes) -> bytes:
    signature = b"\x89PNG\r\n\x1a\n"
    if not data.startswith(signature):
        raise CleaningFailed("unreadable")
    out, pos = [signature], len(signature)
    while pos + 12 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk_end = pos + 12 + length
        if chunk_end > len(data):
            raise CleaningFailed("unreadable")
        if kind in _PNG_KEEP:
            out.append(data[pos:chunk_end])
        pos = chunk_end
        if kind == b"IEND":
            return b"".join(out)
    raise CleaningFailed("unreadable")


def _gif_sub_blocks(data: bytes, pos: int) -> int:
    """The position after a chain of GIF data sub-blocks starting at ``pos``."""
    while True:
        if pos >= len(data):
            raise CleaningFailed("unreadable")
        size = data[pos]
        pos += 1 + size
        if size == 0:
            return pos


def _clean_gif(data: bytes) -> bytes:
    if data[:6] not in {b"GIF87a", b"GIF89a"} or len(data) < 13:
        raise CleaningFailed("unreadable")
    flags = data[10]
    pos = 13 + (3 * 2 ** ((flags & 7) + 1) if flags & 0x80 else 0)
    out = [data[:pos]]
    while pos < len(data):
        block = data[pos]
        if block == 0x3B:  # trailer
            out.append(b"\x3b")
            return b"".join(out)
        if block == 0x2C:  # an image: descriptor, local colour table, LZW data
            if pos + 10 > len(data):
                raise CleaningFailed("unreadable")
            local = data[pos + 9]
            start = pos
            pos += 10 + (3 * 2 ** ((local & 7) + 1) if local & 0x80 else 0) + 1
            pos = _gif_sub_blocks(data, pos)
            out.append(data[start:pos])
        elif block == 0x21 and pos + 2 <= len(data):
            label, start = data[pos + 1], pos
            pos = _gif_sub_blocks(data, pos + 2)
            app_id = data[start + 3:start + 14] if label == 0xFF else b""
            if label == 0xFE or (label == 0xFF and app_id not in _GIF_KEEP_APP):
                continue
            out.append(data[start:pos])
        else:
            raise CleaningFailed("unreadable")
    raise CleaningFailed("unreadable")


def _clean_webp(data: bytes) -> bytes:
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise CleaningFailed("unreadable")
    chunks, pos = [], 12
    while pos + 8 <= len(data):
        kind, length = struct.unpack("<4sI", data[pos:pos + 8])
        chunk_end = pos + 8 + length + (length & 1)
        if pos + 8 + length > len(data):
            raise CleaningFailed("unreadable")
        chunk = data[pos:min(chunk_end, len(data))]
        if kind == b"VP8X" and length >= 10:
            # Flags: bit 3 says "EXIF follows", bit 2 "XMP follows"; both chunks are gone.
            chunk = chunk[:8] + bytes([chunk[8] & ~0x0C]) + chunk[9:]
        if kind in _WEBP_KEEP:
            chunks.append(chunk)
        pos = chunk_end
    body = b"WEBP" + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body
