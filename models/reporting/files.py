"""Evidence files: sniffed from their bytes, cleaned of what identifies the reporter (R7).

The type comes from the content, never from the file name. Every accepted kind but plain text
is cleaned in a limited child process (``cleaning``): photos and animations lose their metadata
segments with every pixel and frame kept, audio and video are remuxed without tags, PDF, Office
and OpenDocument files lose their properties and authors. What was removed is returned so intake
can seal it into the vault with the identity, never into the case store. A file that cannot be
cleaned is refused with a message saying why; it is never stored as sent.
"""

from __future__ import annotations

import io
import logging
import zipfile
from dataclasses import dataclass, field

import filetype

from models.reporting.cleaning.child import ODF, OOXML
from models.reporting.cleaning.errors import CleaningFailed
from models.reporting.cleaning.images import MAX_IMAGE_PIXELS
from models.reporting.cleaning.sandbox import run_cleaner
from models.store.config import Config
from models.store.errors import InvalidInput
from models.store.i18n import N_
from models.store.text import clean_filename

__all__ = ["ACCEPT", "ACCEPTED_KINDS", "ALLOWED", "MAX_IMAGE_PIXELS", "CleanFile", "Upload", "check_uploads",
           "inspect_upload"]

TOO_MANY_PIXELS = N_("This image has too many pixels (at most %(mp)s megapixels). Please send a smaller image.")
ZIP_BOMB = N_("This document could not be checked: it unpacks to far more than its size. Please send another file.")
NOT_ACCEPTED = N_("This type of file is not accepted. Send photos (JPEG, PNG, GIF, WebP), audio (MP3, M4A, OGG, "
                  "WAV, AMR), video (MP4, MOV, WebM, 3GP), PDF, Word, Excel, PowerPoint, OpenDocument or text files.")
# Pillow's TIFF/EXIF reader logs every tag value at DEBUG (camera serials, GPS, owner names):
# metadata that can identify a reporter must never reach a log line (R8).
logging.getLogger("PIL").setLevel(logging.INFO)
# Why a file could not be cleaned, as the reporter reads it: it was not stored.
REFUSALS = {
    "unreadable": N_("A file could not be read, so its hidden details (place, device, author) could not be "
                     "removed. It was not stored. Please send another copy of it."),
    "encrypted": N_("A file is protected by a password, so its hidden details could not be removed. It was not "
                    "stored. Please send it without the password."),
    "limit": N_("A file took too long or too much memory to check, so it was not stored. Please send a smaller "
                "or simpler copy of it."),
    "unsupported": NOT_ACCEPTED,
    "zip_bomb": ZIP_BOMB,
}

# Accepted content types by kind. Anything else is refused with a clear message. Legacy Word
# (.doc, OLE) is not accepted: its properties cannot be removed with a maintained tool here.
ALLOWED: dict[str, str] = {
    "image/jpeg": "image",
    "image/png": "image",
    "image/apng": "image",
    "image/webp": "image",
    "image/gif": "image",
    "audio/mpeg": "audio",
    "audio/mp4": "audio",
    "audio/x-m4a": "audio",
    "audio/ogg": "audio",
    "audio/x-wav": "audio",
    "audio/amr": "audio",
    "video/mp4": "video",
    "video/x-m4v": "video",
    "video/quicktime": "video",
    "video/webm": "video",
    "video/3gpp": "video",
    "application/pdf": "document",
    **dict.fromkeys(sorted(OOXML | ODF), "document"),
    "text/plain": "document",
}
# What the form and the README list, in the order a reporter thinks of them.
# The file picker's filter: every picture, sound and video (a phone then offers its camera), and the
# documents by extension. Content is sniffed whatever the picker let through.
ACCEPT = "image/*,audio/*,video/*,.pdf,.docx,.xlsx,.pptx,.odt,.ods,.odp,.txt"
ACCEPTED_KINDS = "JPEG PNG GIF WebP · MP3 M4A OGG WAV AMR · MP4 MOV WebM 3GP · PDF DOCX XLSX PPTX ODT ODS ODP TXT"


@dataclass(frozen=True)
class Upload:
    """A file as a front end received it. The name is kept (encrypted) only for staff."""

    filename: str
    data: bytes


@dataclass
class CleanFile:
    filename: str
    mime: str
    kind: str
    data: bytes
    removed_metadata: dict[str, str] = field(default_factory=dict)


# The first part each kind of Office Open XML file must have, whatever order its zip lists them in.
_OOXML_MAIN = {
    "word/document.xml": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/workbook.xml": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/presentation.xml": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}


def _sniff(data: bytes) -> str | None:
    guess = filetype.guess(data)
    if guess is not None:
        return _refine(guess.mime, data)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return "text/plain" if "\x00" not in text else None


def _refine(mime: str, data: bytes) -> str:
    """What magic bytes alone get wrong: the ISO media brand, and Office files whose zip lists
    their parts in another order than the magic-byte library expects (it reads the first few)."""
    if mime in {"video/mp4", "video/3gpp", "video/quicktime"} and data[4:8] == b"ftyp":
        brand = data[8:12]
        if brand.startswith((b"3gp", b"3g2")):
            return "video/3gpp"
        if mime == "video/mp4" and b"M4A " in data[:32]:
            return "audio/mp4"
    if mime in {"application/zip", *OOXML}:
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:  # the central directory only: no part is inflated
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return mime
        if "[Content_Types].xml" in names:
            return next((kind for part, kind in _OOXML_MAIN.items() if part in names), mime)
    return mime


def inspect_upload(upload: Upload, config: Config) -> CleanFile:
    """Check size and type from the content; clean the file in a limited child, or refuse it."""
    if not upload.data:
        raise InvalidInput({"files": N_("A file is empty.")})
    if len(upload.data) > config.max_file_bytes:
        raise InvalidInput({"files": N_("A file is larger than %(mb)s MB.")}, mb=config.max_file_bytes // 2**20)
    mime = _sniff(upload.data)
    if mime is None or mime not in ALLOWED:
        raise InvalidInput({"files": NOT_ACCEPTED})
    data, removed = upload.data, dict[str, str]()
    if mime != "text/plain":  # plain text has nowhere to hide a detail beside what it says
        try:
            data, removed = run_cleaner(upload.data, mime)
        except CleaningFailed as err:
            if err.reason == "too_many_pixels":
                raise InvalidInput({"files": TOO_MANY_PIXELS}, mp=MAX_IMAGE_PIXELS // 1_000_000) from err
            raise InvalidInput({"files": REFUSALS.get(err.reason, REFUSALS["unreadable"])}) from err
    name = clean_filename(upload.filename)
    return CleanFile(name, mime, ALLOWED[mime], data, removed)


def check_uploads(uploads: list[Upload], config: Config) -> list[CleanFile]:
    if len(uploads) > config.max_files:
        raise InvalidInput({"files": N_("At most %(n)s files per submission.")}, n=config.max_files)
    return [inspect_upload(u, config) for u in uploads]
